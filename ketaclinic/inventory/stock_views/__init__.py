"""Staff pages of the Schedule III stock (CLINICAL.md §11): what is on hand, receiving it, one
container's ledger and what can happen to it, a session's draw, administration and witnessed
waste, and the catalogue of products and locations. Thin: every rule is in the services; these
pages parse the form, turn typed amounts into base units, take the witnesses' signatures, and show
a refusal on the form it came from.

One module per page: `on_hand` (the stock and receiving it), `containers` (one container),
`sessions` (a session's draw, administration and waste) and `products` (products and
locations); `common` holds what they share. The URLs import the views from here.
"""

from ketaclinic.inventory.stock_views.containers import container_detail
from ketaclinic.inventory.stock_views.on_hand import stock_home, stock_receive_view
from ketaclinic.inventory.stock_views.products import locations_view, products_view
from ketaclinic.inventory.stock_views.sessions import session_stock

__all__ = [
    "container_detail",
    "locations_view",
    "products_view",
    "session_stock",
    "stock_home",
    "stock_receive_view",
]
