from .noop import main

main()
