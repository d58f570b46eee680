"""Azure LLM inference trace 2023 against the numbers its paper reports.

Source: P. Patel et al., "Splitwise: Efficient Generative LLM Inference Using Phase
Splitting", ISCA'24 (arXiv 2311.18677), workload characterization of the two production
traces it released (github.com/Azure/AzurePublicDataset, ``AzureLLMInferenceDataset2023``):
median prompt ("context") of 1500 tokens for coding and 1020 for conversation; median output
of 13 tokens for coding and 129 for conversation. The paper rounds; we allow 5% on the medians
of the prompts and match the output medians exactly. The request counts are the dataset page's
(8,819 coding, 19,366 conversation requests, one hour on 2023-11-16).
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.traces.azure_llm import AzureLLMReader

# service: (requests, median prompt tokens, median output tokens), as published.
PUBLISHED = {"code": (8_819, 1_500, 13), "conv": (19_366, 1_020, 129)}
PROMPT_TOLERANCE = 0.05


@pytest.mark.parametrize("service", sorted(PUBLISHED))
def test_request_counts_and_token_medians_match_splitwise(service: str) -> None:
    requests = AzureLLMReader().requests(service)
    count, prompt, output = PUBLISHED[service]
    assert requests.count == count
    assert np.median(requests.context_tokens) == pytest.approx(prompt, rel=PROMPT_TOLERANCE)
    assert np.median(requests.generated_tokens) == output
    assert 55 * 60 < requests.span_s <= 3600  # about one hour of requests


def test_coding_is_prompt_heavy_and_conversation_output_heavy() -> None:
    # The paper's qualitative finding: coding has long prompts and short outputs; conversation
    # generates about ten times more tokens per request.
    code, conv = AzureLLMReader().requests("code"), AzureLLMReader().requests("conv")
    assert np.median(code.context_tokens) > np.median(conv.context_tokens)
    assert np.median(conv.generated_tokens) > 5 * np.median(code.generated_tokens)
