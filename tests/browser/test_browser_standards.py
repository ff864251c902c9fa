"""Every view of the web shop held to the standards of a good storefront, measured in the browser:

- never wider than the screen at 320, 390 and 768 px (and 1280 px): `scrollWidth` ≤ the viewport;
- axe-core (the npm package, injected into the page) finds no serious or critical violation at
  390 and 1280 px;
- on a phone every control is at least 44 by 44 px;
- each view has a title of its own, and the page a meta description;
- keyboard focus is visible: the first stops of the Tab key each show a ring of 2 px or more.

The views are reached as a shopper would reach them: home (as a guest), then signed in as an
admin who also shops: a category, a product, the cart, the checkout's result, the order history,
an order, and the admin's product list and edit page. Each is saved as a screenshot at phone and
desktop width in test-artifacts/browser/<this test>/, and axe-core's findings (every impact) are
written to test-artifacts/browser/axe.json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS, REPO_ROOT, SHOP_IMAGE, unique

PHONE, DESKTOP = 390, 1280
WIDTHS = (1280, 768, 390, 320)
AXE_WIDTHS = (DESKTOP, PHONE)
HEIGHTS = {1280: 900, 768: 1024, 390: 844, 320: 640}
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORT = ARTIFACTS / "axe.json"
BLOCKING_IMPACTS = ("critical", "serious")
MIN_TARGET_PX = 44
# Controls a finger must hit. Links inside sentences are exempt (WCAG 2.5.8), as the checkbox is
# when its label (which is checked) is the target.
TAP_TARGETS = (
    "button, input:not([type=checkbox]), textarea, select, .button-link, label.checkbox, "
    ".brand, .site-nav a, .categories a, .order-row a, .admin-products a, .breadcrumbs a"
)
TITLE_PATTERN = re.compile(r"^\S.* · ShopSmart$")
TAB_STOPS = 6
MIN_FOCUS_RING_PX = 2

_UNDERSIZED_TARGETS = """([selector, minimum]) => [...document.querySelectorAll(selector)]
  .filter((element) => element.getClientRects().length && getComputedStyle(element).visibility !== "hidden")
  .map((element) => ({ element, box: element.getBoundingClientRect() }))
  .filter(({ box }) => box.width < minimum || box.height < minimum)
  .map(({ element, box }) => {
    const label = (element.innerText || element.value || element.getAttribute("aria-label") || "").trim();
    const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
    return `${element.tagName.toLowerCase()} "${label.slice(0, 40)}" ${size}`;
  })"""
_FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const label = (element.innerText || element.getAttribute("aria-label") || element.id || "").trim();
  return { element: `${element.tagName.toLowerCase()} "${label.slice(0, 40)}"`,
           ring: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth) };
}"""
_AXE_RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return {
    passed: results.passes.length,
    violations: results.violations.map((rule) => ({
      id: rule.id, impact: rule.impact, help: rule.help,
      targets: rule.nodes.slice(0, 5).map((node) => node.target.join(" ")), count: rule.nodes.length,
    })),
  };
}"""


class ViewAudit:
    """Measures each view it is shown and keeps every problem, so one run reports them all."""

    def __init__(self, page: Page, directory: Path):
        self.page = page
        self.directory = directory
        self.problems: list[str] = []
        self.axe: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.titles: dict[str, str] = {}

    def __call__(self, view: str) -> None:
        page = self.page
        expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
        self.titles[view] = title = page.title()
        if not TITLE_PATTERN.match(title):
            self.problems.append(f"{view}: title {title!r} does not name the page")
        number = len(self.titles)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            self._check_width(view, width)
            if width == PHONE:
                self._check_targets(view)
            if width in AXE_WIDTHS:
                self._run_axe(view, width)
                form = "phone" if width == PHONE else "desktop"
                page.screenshot(path=self.directory / f"{number:02d}-{view}-{form}.png", full_page=True)
        page.set_viewport_size({"width": DESKTOP, "height": HEIGHTS[DESKTOP]})

    def _check_width(self, view: str, width: int) -> None:
        scroll_width, viewport = self.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > viewport:
            self.problems.append(f"{view} @ {width}px: {scroll_width}px wide on a {viewport}px screen")

    def _check_targets(self, view: str) -> None:
        small = self.page.evaluate(_UNDERSIZED_TARGETS, [TAP_TARGETS, MIN_TARGET_PX])
        if small:
            self.problems.append(f"{view} @ {PHONE}px: controls under {MIN_TARGET_PX}px: {small}")

    def _run_axe(self, view: str, width: int) -> None:
        # Evaluated rather than added as a <script>: the shop's Content-Security-Policy allows no
        # inline script, and the check must not loosen it.
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            self.page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        outcome = self.page.evaluate(_AXE_RUN)
        if not outcome["passed"]:
            self.problems.append(f"{view} @ {width}px: axe checked nothing")
        violations = self.axe.setdefault(view, {})[f"{width}px"] = outcome["violations"]
        for rule in violations:
            if rule["impact"] in BLOCKING_IMPACTS:
                self.problems.append(
                    f"{view} @ {width}px: axe {rule['id']} ({rule['impact']}, {rule['count']} nodes): "
                    f"{rule['help']} — {rule['targets']}"
                )

    def write_report(self) -> None:
        AXE_REPORT.write_text(json.dumps(self.axe, indent=2) + "\n", encoding="utf-8")


def test_every_view_fits_the_screen_and_passes_axe(shop, page, artifact_dir):
    assert AXE_SCRIPT.is_file(), f"{AXE_SCRIPT} is missing: run `npm ci` (make install does)"
    category = unique("standards")
    products = [
        shop.create_product(category, f"Lamp {n} {category}", stock=9, price=f"{n}9.50", image_url=SHOP_IMAGE)
        for n in (1, 2, 3)
    ]
    product = products[0]
    admin = unique("standards-admin")
    audit = ViewAudit(page, artifact_dir)

    page.goto("/")
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    meta = page.locator('meta[name="description"]')
    assert len(meta.get_attribute("content") or "") >= 50, "a meta description that says what the shop sells"
    focused = []
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(_FOCUSED))
    assert len({stop["element"] for stop in focused}) == TAB_STOPS, f"Tab moves the focus: {focused}"
    unringed = [stop for stop in focused if stop["ring"] < MIN_FOCUS_RING_PX]
    assert not unringed, f"focus without a visible ring: {unringed}"
    audit("home")

    # The sign-in view is the provider's own page (locally; Cognito's hosted UI in AWS).
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_title(re.compile("^Sign in"))
    audit("sign-in")
    page.get_by_label("User name").fill(admin)
    page.get_by_label("Admin", exact=True).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(admin)
    categories = page.get_by_role("navigation", name="Categories")
    categories.get_by_role("link", name=re.compile(f"^{category}")).click()
    expect(page.get_by_test_id("product-card")).to_have_count(len(products))
    audit("category")

    page.get_by_role("link", name=product["name"], exact=True).click()
    expect(page.get_by_role("heading", level=1, name=product["name"])).to_be_visible()
    audit("product")
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "2")

    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    audit("cart")

    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    order_id = page.get_by_test_id("order-id").inner_text()
    audit("checkout-result")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    audit("order-history")

    page.get_by_role("link", name=f"Order {order_id}").click()
    expect(page.get_by_test_id("order-id")).to_have_text(order_id)
    audit("order")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_test_id("admin-product-row").first).to_be_visible()
    audit("admin-list")

    page.goto(f"/#/admin/product/{product['product_id']}")
    expect(page.get_by_role("heading", level=1, name=f"Edit {product['name']}")).to_be_visible()
    audit("admin-edit")

    audit.write_report()
    assert not audit.problems, "\n".join(audit.problems)
    # The checkout's result is the new order's own page, so it shares that page's title.
    titles = [title for view, title in audit.titles.items() if view != "checkout-result"]
    assert len(set(titles)) == len(titles), f"a title per view: {audit.titles}"
