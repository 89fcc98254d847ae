"""The session chart's colours, type sizes and marker symbols."""

from __future__ import annotations

# Colour-blind-safe palette (Okabe–Ito based); every series also differs in shape.
BP_COLOUR = "#0072B2"  # blue: vertical bars with carets
HR_COLOUR = "#D55E00"  # vermillion/orange: line with round dots
SPO2_COLOUR = "#117A8B"  # teal: line with square dots, in its own panel
RATE_FILL = "#A6CEE3"
RATE_STROKE = "#3B6E8F"
CONC_COLOUR = "#7B3294"  # purple: smooth line, right-hand axis
WARNING_COLOUR = "#E69F00"  # amber, dashed ring
CRITICAL_COLOUR = "#C00000"  # red, thick solid double ring
INK = "#222222"
MUTED = "#5F6B73"
GRID = "#E3E7EA"
INFUSION_SHADE = "#EAF2FA"
RECOVERY_SHADE = "#F6F0E4"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

MARKER_STYLES: dict[str, tuple[str, str]] = {
    # kind: (colour, shape)
    "pump": ("#3B6E8F", "triangle-down"),
    "prn": ("#0072B2", "circle"),
    "side_effect": ("#D55E00", "diamond"),
    "device": ("#555555", "square"),
    "alarm": (CRITICAL_COLOUR, "triangle-up"),
}
DEFAULT_MARKER_STYLE = ("#555555", "circle")

MARKER_ROWS = 5
MARKER_ROW_HEIGHT = 13
MARKER_LABEL_MAX_CHARS = 26
FONT_SIZE = 11.0
SMALL_FONT_SIZE = 10.0
CHAR_WIDTH = 0.55  # average glyph width / font size, a little wide for safety
