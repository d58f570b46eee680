from gigawatt.cli import main

main()
