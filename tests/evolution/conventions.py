"""Naming conventions the synthesiser should learn from a handful of kept answers.

Each: (name, language, training pairs, unseen pairs). Shared by the tests and by
the timing script in the report.
"""

from __future__ import annotations

CONVENTIONS = [
    (
        "python class from stem",
        "python",
        [("shop/models/order_item.py", "OrderItem"), ("app/user.py", "User"), ("net/http_client.py", "HttpClient")],
        [("shop/payment_method.py", "PaymentMethod"), ("a/b/c/retry_policy.py", "RetryPolicy")],
    ),
    (
        "python module path (src layout)",
        "text",
        [("src/shop/models/order.py", "shop.models.order"), ("src/app/views.py", "app.views")],
        [("src/billing/invoices/line.py", "billing.invoices.line")],
    ),
    (
        "elixir module from lib/ path",
        "elixir",
        [
            ("lib/my_app/accounts/user.ex", "MyApp.Accounts.User"),
            ("lib/shop/cart.ex", "Shop.Cart"),
            ("lib/my_app/web/router.ex", "MyApp.Web.Router"),
        ],
        [("lib/billing/invoices/line_item.ex", "Billing.Invoices.LineItem")],
    ),
    (
        "go package from folder",
        "go",
        [("internal/billing/invoice.go", "billing"), ("pkg/auth/token.go", "auth"), ("storage/disk.go", "storage")],
        [("internal/payments/card.go", "payments")],
    ),
    (
        "go test function",
        "go",
        [("http/parse_header_test.go", "TestParseHeader"), ("http/read_body_test.go", "TestReadBody")],
        [("io/write_chunk_test.go", "TestWriteChunk")],
    ),
    (
        "typescript component from kebab file",
        "typescriptreact",
        [("src/components/user-card.tsx", "UserCard"), ("src/components/order-list.tsx", "OrderList")],
        [("src/widgets/nav-bar.tsx", "NavBar")],
    ),
    (
        "react hook name",
        "typescriptreact",
        [("src/components/user-card.tsx", "useUserCard"), ("src/views/order-list.tsx", "useOrderList")],
        [("src/widgets/nav-bar.tsx", "useNavBar")],
    ),
    (
        "java package from path",
        "java",
        [("com/acme/shop/OrderService.java", "com.acme.shop"), ("org/example/util/Strings.java", "org.example.util")],
        [("io/github/app/Main.java", "io.github.app")],
    ),
    (
        "rust module path",
        "rust",
        [("src/net/http.rs", "crate::net::http"), ("src/db/pool.rs", "crate::db::pool")],
        [("src/api/v1/routes.rs", "crate::api::v1::routes")],
    ),
    (
        "condition on extension",
        "typescript",
        [("src/a.tsx", "component"), ("src/b.ts", "module"), ("lib/c.tsx", "component"), ("lib/d.ts", "module")],
        [("web/e.tsx", "component"), ("web/f.ts", "module")],
    ),
]
