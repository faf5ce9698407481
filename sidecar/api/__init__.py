"""The frontend-facing contract: every method's params and result as msgspec Structs.

Owns: the exact JSON the YTracker frontend sends and expects (`docs/frontend-contract.md` §3, §4).
Must not know: Tracker wire formats, HTTP, or how a result is computed. Schemas and TypeScript
types are generated from these Structs, so a field changed here changes the contract.
"""
