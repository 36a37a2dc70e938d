"""Pen-written digits drawn from stroke templates, in the shapes Vietnamese clerks write
numbers on signed scans (a 1 with a long up-stroke, a 2 with a loop at its foot, a crossed
7, an open 4) that MNIST's American hands rarely show. Points are in a unit box, y down."""
import math
import numpy as np
from PIL import Image, ImageDraw

def arc(cx, cy, rx, ry, a0, a1, n=12):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]

# Each digit: variants; each variant: strokes; each stroke: points.
TEMPLATES = {
    0: [[arc(0.5, 0.5, 0.32, 0.5, -90, 270, 20)],
        [arc(0.5, 0.5, 0.28, 0.5, -70, 280, 20)]],
    1: [[[(0.5, 0.0), (0.5, 1.0)]],
        [[(0.15, 0.35), (0.6, 0.0), (0.5, 1.0)]],
        [[(0.25, 0.22), (0.6, 0.0), (0.55, 1.0)]],
        [[(0.0, 0.5), (0.7, 0.0), (0.6, 1.0)]],
        [[(0.05, 0.4), (0.75, 0.0), (0.7, 1.0)]],
        [[(0.0, 0.6), (0.9, 0.0), (0.85, 1.0)]],
        [[(0.0, 0.7), (0.5, 0.3), (0.9, 0.0), (0.85, 1.0)]],
        [[(0.2, 0.3), (0.6, 0.0), (0.5, 1.0)], [(0.25, 1.0), (0.8, 1.0)]]],
    2: [[arc(0.5, 0.3, 0.35, 0.3, 200, 370, 10) + [(0.1, 1.0), (0.9, 1.0)]],
        [arc(0.5, 0.3, 0.35, 0.3, 200, 370, 10) + [(0.2, 0.85)] + arc(0.2, 0.88, 0.12, 0.12, 270, 30, 8)[1:] + [(0.95, 0.95)]],
        [arc(0.5, 0.28, 0.33, 0.28, 190, 360, 10) + [(0.55, 0.65), (0.15, 0.97)] + arc(0.25, 0.9, 0.1, 0.09, 180, 0, 6)[1:] + [(0.95, 1.0)]]],
    3: [[[*arc(0.5, 0.25, 0.32, 0.25, 200, 450, 12), *arc(0.5, 0.73, 0.36, 0.27, -90, 160, 12)]]],
    4: [[[(0.7, 1.0), (0.7, 0.0), (0.08, 0.68), (0.95, 0.68)]],
        [[(0.25, 0.0), (0.12, 0.62), (0.92, 0.62)], [(0.72, 0.15), (0.7, 1.0)]],
        [[(0.35, 0.0), (0.1, 0.6), (0.9, 0.55)], [(0.65, 0.25), (0.62, 1.0)]]],
    5: [[[(0.85, 0.0), (0.3, 0.0), (0.22, 0.45)] + arc(0.48, 0.7, 0.35, 0.3, 230, 500, 12)[1:]],
        [[(0.28, 0.02), (0.2, 0.45)] + arc(0.48, 0.7, 0.36, 0.3, 230, 500, 12)[1:], [(0.28, 0.02), (0.9, 0.0)]]],
    6: [[[(0.75, 0.0), (0.35, 0.35)] + arc(0.5, 0.7, 0.32, 0.3, 200, 560, 16)]],
    7: [[[(0.1, 0.0), (0.9, 0.0), (0.35, 1.0)]],
        [[(0.1, 0.12), (0.15, 0.0), (0.9, 0.02), (0.4, 1.0)], [(0.35, 0.5), (0.85, 0.48)]],
        [[(0.1, 0.05), (0.9, 0.0), (0.5, 0.55), (0.4, 1.0)]]],
    8: [[[*arc(0.5, 0.25, 0.28, 0.25, 90, -270, 16), *arc(0.5, 0.75, 0.33, 0.25, -90, 270, 16)]]],
    9: [[[*arc(0.48, 0.28, 0.3, 0.28, 0, 360, 16), (0.78, 0.3), (0.7, 1.0)]],
        [[*arc(0.48, 0.28, 0.3, 0.28, 10, 370, 16), (0.72, 0.6), (0.45, 1.0)]]],
}

def pen_digit(d, rng):
    strokes = TEMPLATES[d][rng.integers(len(TEMPLATES[d]))]
    h = 80
    w = h * rng.uniform(0.5, 0.85)
    slant = rng.uniform(-0.05, 0.35)
    img = Image.new("L", (int(w + h * 0.6) + 40, h + 40), 255)
    draw = ImageDraw.Draw(img)
    width = max(2, int(h * rng.uniform(0.05, 0.14)))
    for stroke in strokes:
        pts = [((x + rng.normal(0, 0.03)) * w + (1 - y) * slant * h + 20,
                (y + rng.normal(0, 0.03)) * h + 20) for x, y in stroke]
        draw.line(pts, fill=0, width=width, joint="curve")
        for x, y in pts:
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=0)
    return img
