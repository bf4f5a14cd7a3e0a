"""Interface: what talks to people. The only wing that prints.

Entry points: `cli.main()` (the `ragassist` command), `answer_cli` (`ask`, `verify`, `models`),
`chat.Conversation` (multi-turn chat without a terminal), `repl` and `chat_cli` (the shell),
`rewrite` (follow-ups made standalone) and `show` (answers rendered for the terminal).
"""
