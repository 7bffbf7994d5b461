"""Charts of the brief as PNG bytes: leading entities over eight weeks, money by topic, the
week's deal network.

PNG rather than SVG because mail clients (Outlook, Gmail) drop SVG; drawn with matplotlib's
Agg backend so no display is needed. The renderer embeds them as data URIs for browsers, or
as `cid:` references with the PNGs attached for mail.
"""
from __future__ import annotations

import base64
import io
import logging

log = logging.getLogger(__name__)

COLOURS = ["#1f3a5f", "#c8553d", "#2a9d8f", "#e9a03b", "#6d597a", "#588157", "#9c6644", "#457b9d"]


def _figure(width: float = 5.6, height: float = 2.5):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    # drawn near the width it is shown at (about 510-616 px in a mail), so its text stays legible
    fig, ax = plt.subplots(figsize=(width, height), dpi=120)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9, colors="#444444")
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def mentions_chart(weeks: list[str], series: dict[str, list[int]], title: str) -> bytes | None:
    """A line per entity: articles naming it in each of `weeks`; None when there is nothing to draw."""
    if not weeks or not series:
        return None
    plt, fig, ax = _figure()
    x = list(range(len(weeks)))
    for n, (name, counts) in enumerate(series.items()):
        ax.plot(x, counts, marker="o", markersize=3, linewidth=1.8, color=COLOURS[n % len(COLOURS)], label=name)
    ax.set_xticks(x, [w.split("-")[-1] for w in weeks])
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title, fontsize=10, loc="left", color="#1f3a5f")
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=min(len(series), 3))
    return _png(plt, fig)


def money_chart(eur: dict[str, float], title: str, lang: str = "fr") -> bytes | None:
    """Horizontal bars of EUR amounts per label, largest on top; None when there is no money."""
    eur = {k: v for k, v in eur.items() if v}
    if not eur:
        return None
    # one unit the reader takes in at a glance: billions when the largest bar is, else millions
    size, unit = (1e9, "Md€" if lang == "fr" else "€bn") if max(eur.values()) >= 1e9 else \
        (1e6, "M€" if lang == "fr" else "€m")
    plt, fig, ax = _figure(height=0.45 * len(eur) + 0.9)
    labels = list(eur)[::-1]
    values = [eur[k] / size for k in labels]
    ax.barh(labels, values, color=COLOURS[0], height=0.6)
    for y, v in enumerate(values):
        text = f"{v:,.1f}".rstrip("0").rstrip(".") if v < 10 else f"{v:,.0f}"
        text = text.replace(",", " ").replace(".", ",") if lang == "fr" else text
        shown = f"{text} {unit}" if lang == "fr" else f"€{text}{unit[1:]}"
        ax.text(v, y, " " + shown, va="center", fontsize=8.5, color="#444444")
    ax.set_xlabel(unit, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left", color="#1f3a5f")
    ax.margins(x=0.2)
    return _png(plt, fig)


KIND_COLOURS = {"partnership": "#2a9d8f", "investment": "#1f3a5f", "acquisition": "#c8553d",
                "public_funding": "#e9a03b", "expansion": "#6d597a"}


def network_worth_drawing(deals: list[dict]) -> bool:
    """A picture helps over the table when several deals share organisations: three deals or
    more, one organisation in two of them at least."""
    if len(deals) < 3:
        return False
    seen: dict[str, int] = {}
    for d in deals:
        for name in set(d["who"]) | set(d["whom"]):
            seen[name] = seen.get(name, 0) + 1
    return max(seen.values(), default=0) >= 2


def deals_chart(deals: list[dict], title: str, kind_names: dict[str, str]) -> bytes | None:
    """The week's deal network: organisations as nodes on a circle, deals as edges coloured
    by kind (a funding's or a purchase's edge ends with an arrow on the recipient or target)."""
    import math

    edges = []
    for d in deals:
        acting, receiving = d["who"], d["whom"]
        if d["kind"] == "partnership" or not receiving:
            pairs = [(a, b) for i, a in enumerate(acting) for b in acting[i + 1:]]
        else:
            pairs = [(a, b) for a in acting for b in receiving]
        edges += [(a, b, d["kind"]) for a, b in pairs if a != b]
    nodes = list(dict.fromkeys(n for a, b, _ in edges for n in (a, b)))
    if len(nodes) < 2:
        return None
    plt, fig, ax = _figure(height=3.6)
    ax.axis("off")
    pos = {n: (math.cos(2 * math.pi * i / len(nodes)), math.sin(2 * math.pi * i / len(nodes)))
           for i, n in enumerate(nodes)}
    for a, b, kind in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        style = "-" if kind == "partnership" else "-|>"
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops={"arrowstyle": style, "color": KIND_COLOURS.get(kind, "#888888"), "lw": 1.8,
                                "shrinkA": 12, "shrinkB": 12})
    for n, (x, y) in pos.items():
        ax.plot([x], [y], "o", markersize=9, color="#ffffff", markeredgecolor="#1f3a5f", markeredgewidth=1.5)
        side = "left" if x > 0.3 else "right" if x < -0.3 else "center"  # labels outside the circle
        dx = 0.1 if side == "left" else -0.1 if side == "right" else 0
        ax.text(x + dx, y * 1.16, n, ha=side, va="center", fontsize=8.5, color="#1d1d1b")
    used = list(dict.fromkeys(k for _, _, k in edges))
    for kind in used:
        ax.plot([], [], color=KIND_COLOURS.get(kind, "#888888"), lw=2, label=kind_names.get(kind, kind))
    ax.legend(fontsize=8, frameon=False, loc="lower left", ncol=min(len(used), 3), bbox_to_anchor=(0, -0.08))
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.4, 1.4)
    ax.set_title(title, fontsize=10, loc="left", color="#1f3a5f")
    return _png(plt, fig)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
