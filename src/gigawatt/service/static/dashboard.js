// The live dashboard: asks for a token (kept in sessionStorage), polls /v1/dashboard every
// 2 s and draws the figures the server built (Plotly JSON) with the local plotly.js.
"use strict";
const TOKEN_KEY = "gigawatt-token";
const POLL_MS = 2000;
const CHARTS = ["fleet", "capacity", "utilization", "queue", "usage", "reservations"];
let filter = null; // admin only: one tenant's name, or null for all
let timer = null;

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en-US");

function text(tag, value) {
  const cell = document.createElement(tag);
  cell.textContent = value === null || value === undefined ? "-" : String(value);
  return cell;
}

function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  $("login").hidden = true;
  $("dashboard").hidden = false;
  $("sign-out").hidden = false;
  poll();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(timer);
  $("dashboard").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("status").textContent = "not signed in";
}

function renderCards(state) {
  const planned = state.sites.reduce((a, r) => a + r.planned, 0);
  const online = state.sites.reduce((a, r) => a + r.online, 0);
  const busy = state.sites.reduce((a, r) => a + r.busy, 0);
  const scope = state.view === "admin" && !state.tenant ? "all tenants" : state.tenant;
  const cards = [
    [`${fmt(online)} / ${fmt(planned)}`, "accelerators online / planned"],
    [online ? `${(100 * busy / online).toFixed(1)}%` : "-", "fleet utilization now"],
    [fmt(state.queued_jobs), `jobs waiting (${scope})`],
    [fmt(state.running_jobs), `jobs running (${scope})`],
    [fmt(state.nodes_down), "nodes down for repair"],
    [String(state.reservations.length), `active reservations (${scope})`],
  ];
  const box = $("cards");
  box.replaceChildren(...cards.map(([value, label]) => {
    const card = document.createElement("div");
    card.className = "card";
    card.append(text("b", value), text("span", label));
    return card;
  }));
}

function renderFilter(state) {
  const nav = $("tenant-filter");
  if (state.view !== "admin") { nav.replaceChildren(); return; }
  const names = [null, ...state.tenants];
  nav.replaceChildren(...names.map((name) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tenant-filter" + (name === filter ? " active" : "");
    button.dataset.tenant = name || "";
    button.textContent = name || "all tenants";
    button.addEventListener("click", () => { filter = name; poll(); });
    return button;
  }));
}

function renderTables(state) {
  $("jobs").tBodies[0].replaceChildren(...state.jobs.map((j) => {
    const row = document.createElement("tr");
    row.dataset.job = j.id;
    row.append(text("td", j.id), text("td", j.tenant), text("td", j.name),
      text("td", `${fmt(j.accelerators)} ${j.accelerator}`), text("td", j.state),
      text("td", (j.submitted_at || "").slice(0, 19).replace("T", " ")),
      text("td", j.interruptions));
    return row;
  }));
  $("failures").tBodies[0].replaceChildren(...state.failures.map((f) => {
    const row = document.createElement("tr");
    row.append(text("td", (f.at || "").slice(0, 19).replace("T", " ")), text("td", f.node),
      text("td", f.site), text("td", `${fmt(f.accelerators)} ${f.accelerator}`),
      text("td", f.state), text("td", f.reason));
    return row;
  }));
}

function render(payload) {
  const state = payload.state;
  const who = state.view === "admin" ? "admin: every tenant" : `tenant ${state.tenant}`;
  $("status").textContent = `${who}; updated ${state.at.slice(0, 19).replace("T", " ")} UTC`;
  renderFilter(state);
  renderCards(state);
  for (const name of CHARTS) {
    const fig = payload.figures[name];
    Plotly.react($(`chart-${name}`), fig.data, fig.layout,
      {displaylogo: false, responsive: true});
  }
  renderTables(state);
}

async function poll() {
  clearTimeout(timer);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  const query = filter ? `?tenant=${encodeURIComponent(filter)}` : "";
  try {
    const response = await fetch(`/v1/dashboard${query}`,
      {headers: {Authorization: `Bearer ${token}`}, cache: "no-store"});
    if (response.status === 401) { signOut("That token is not valid here."); return; }
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    render(await response.json());
  } catch (error) {
    $("status").textContent = `update failed (${error.message}); retrying`;
  }
  timer = setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("token").value.trim());
  });
  $("sign-out").addEventListener("click", () => signOut(""));
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) signIn(token);
});
