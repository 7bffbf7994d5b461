"""Charts of the brief as PNG bytes: leading entities over eight weeks, money by topic.

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


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
