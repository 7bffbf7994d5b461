"""Migration 15: a subscription may ask for deals (`veille alerts add NAME --deal KIND`).

`deal` is a deal kind (partnership, investment, acquisition, public_funding, expansion) or
`any`; NULL keeps the subscription a plain keyword, entity or amount alert. With a deal, the
subscription's entities must be parties of the deal and its minimum amount is the deal's.
"""

NUMBER = 15
NAME = "subscriptions.deal"


def apply(db) -> None:
    db.executescript("ALTER TABLE subscriptions ADD COLUMN deal TEXT;")
