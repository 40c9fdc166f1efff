"""The notebooks' claims, checked against their own outputs (issue #21).

Every sentence of notebooks 3-6 that states a result (a number, a ranking, a direction) is either
written by the cell itself from its numbers (a verdict line composed by the crate) or checked here
against the parsed outputs. Verdicts are checked too: each is recomputed from the numbers printed
beside it, so a verdict that stopped matching its table fails.

A claim is (notebook, what it says, check, real_only). `check(cells)` gets the text of every code
cell's outputs (HTML tables as `a | b |` rows, pictures left out) and returns (ok, detail); it may
raise `Missing` when the output it reads is not there, which fails the claim too. Claims that hold
only on the real snacks photos (the chapter's results) are checked only there; the others on any
data, the stand-in included.

run_notebooks.py calls `claim_problems` for every notebook it runs or checks.
"""
import html
import json
import math
import os
import re
import statistics


class Missing(Exception):
    """An output a claim reads is not in the notebook."""


class Cells(list):
    """The outputs' texts of a notebook's code cells, in order, with the notebook's markdown
    (`.markdown`, one string) for the claims that check a number the text states."""
    markdown = ""


def cell_texts(nb):
    """The text of each code cell's outputs: streams, text/plain, and text/html with its tags
    stripped (table cells end in ` | `, rows in a newline; SVG charts and images left out)."""
    texts = Cells()
    texts.markdown = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", [])
                               if c.get("cell_type") == "markdown")
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
                continue
            data = out.get("data", {})
            h = data.get("text/html")
            if h is None:
                p = data.get("text/plain", "")
                parts.append("".join(p) if isinstance(p, list) else p)
                continue
            h = "".join(h) if isinstance(h, list) else h
            h = re.sub(r"<svg.*?</svg>", chart_words, h, flags=re.S)
            h = re.sub(r"<img[^>]*>", " ", h)
            h = re.sub(r"</t[dh]>", " | ", h)
            h = re.sub(r"</tr>|<br>|</p>|</h\d>", "\n", h)
            h = html.unescape(re.sub(r"<[^>]+>", "", h))
            parts.append(re.sub(r"[ \t]+", " ", h))
        texts.append("\n".join(parts))
    return texts


def chart_words(svg):
    """A chart as one line of its words (title, axis labels, legend), its numbers left out:
    `[chart: Accuracy | epoch | training | validation | chance (0.05)]`."""
    words = [html.unescape(w.strip()) for w in re.findall(r"<text[^>]*>(.*?)</text>", svg[0], flags=re.S)]
    words = [w for w in words if w and not re.fullmatch(r"-?[\d.]+(e-?\d+)?", w)]
    return "\n[chart: " + " | ".join(words) + "]\n"


def find(pattern, text, what=None):
    m = re.search(pattern, text)
    if not m:
        raise Missing(what or f"no output matches {pattern!r}")
    return m


def cell_with(cells, pattern):
    """The text of the first cell whose outputs match `pattern`."""
    for text in cells:
        if re.search(pattern, text):
            return text
    raise Missing(f"no cell output matches {pattern!r}")


def margin(p, n):
    """The binomial 95% margin of an accuracy p on n images (the crate's accuracy_margin)."""
    return 1.96 * math.sqrt(max(p * (1 - p), 0.0) / n)


def progress(text, name):
    """The values of `name` (loss, val_loss, ...) in the progress lines of a cell's text, in order."""
    return [float(v) for v in re.findall(rf"(?<![\w_]){name}: (-?[\d.]+|nan|inf)", text)]


NUM = r"(-?\d+\.\d+)"

# --- checks that apply to every verdict of a kind, in any notebook -----------------------------------

COMPARE = re.compile(r"Verdict: (.+?) " + NUM + r" against (.+?) " + NUM + r" on (\d+) images: a difference of "
                     + r"([+-]\d+\.\d+), (inside|outside) the noise \(±(\d+\.\d+), 95%\)(?:: (.+?) is better here)?")


def compare_verdicts(cells):
    """Every `A a against B b on n images: a difference of d, inside/outside the noise (±m)` verdict,
    recomputed: d = a − b, m = 1.96·√(a(1−a)/n + b(1−b)/n), inside exactly when |d| ≤ m."""
    found = [m for text in cells for m in COMPARE.finditer(text)]
    if not found:
        raise Missing("no accuracy comparison verdict")
    for m in found:
        a, b, n, d, side, shown = float(m[2]), float(m[4]), int(m[5]), float(m[6]), m[7], float(m[8])
        m_ab = math.hypot(margin(a, n), margin(b, n))
        if abs(d - (a - b)) > 2e-4 or abs(shown - m_ab) > 1.5e-3 or (side == "inside") != (abs(a - b) <= m_ab):
            return False, f"{m[0]!r}: a − b = {a - b:+.4f}, margin {m_ab:.3f}"
    return True, f"{len(found)} comparisons"


GAP_ROW = re.compile(r"^(.+?) \| " + NUM + r" \| " + NUM + r" \| " + NUM + r" \|", re.M)
GAP = re.compile(r"Verdict: from (.+?) to (.+?), the gap (closed|widened) from " + NUM + " to " + NUM
                 + r" mostly because (training|validation) accuracy (fell|rose): training accuracy moved by "
                 + r"([+-]\d+\.\d+) and validation accuracy by ([+-]\d+\.\d+)"
                 + r"(?:, (inside|outside) the noise \(±(\d+\.\d+) on (\d+) images, 95%\))?")


def gap_verdicts(cells):
    """Every gap table's verdict, recomputed from its two rows: gap = training − validation, closed
    when the second gap is smaller, the cause the larger of the two moves and its direction, and the
    validation change inside the noise exactly when |Δ| ≤ 1.96·√(v1(1−v1)/n + v2(1−v2)/n)."""
    n = 0
    for text in cells:
        for v in GAP.finditer(text):
            rows = {r[1].strip(): (float(r[2]), float(r[3]), float(r[4])) for r in GAP_ROW.finditer(text)}
            (t1, v1, g1), (t2, v2, g2) = rows[v[1]], rows[v[2]]
            dt, dv = t2 - t1, v2 - v1
            cause = ("training", "fell" if dt < 0 else "rose") if abs(dt) >= abs(dv) else \
                ("validation", "rose" if dv > 0 else "fell")
            ok = (abs(g1 - (t1 - v1)) < 2e-3 and abs(g2 - (t2 - v2)) < 2e-3
                  and (v[3] == "closed") == (abs(g2) < abs(g1)) and (v[6], v[7]) == cause
                  and abs(float(v[8]) - dt) < 2e-3 and abs(float(v[9]) - dv) < 2e-3)
            if v[10]:
                m_v = math.hypot(margin(v1, int(v[12])), margin(v2, int(v[12])))
                ok = ok and abs(float(v[11]) - m_v) < 1.5e-3 and (v[10] == "inside") == (abs(dv) <= m_v)
            if not ok:
                return False, f"{v[0]!r} against rows {rows}"
            n += 1
    if not n:
        raise Missing("no gap verdict")
    return True, f"{n} gap verdicts"


HISTORY = re.compile(r"Verdict: over (\d+) epochs?, training loss went from " + NUM + " to " + NUM
                     + r"; validation loss was lowest at epoch (\d+) \(" + NUM + r"\) and ended at " + NUM)
LAST_ROW = re.compile(r"(\d+) of (\d+) \| " + NUM + r" \| " + NUM + r" \| " + NUM + r" \| " + NUM + r" \|")


def history_verdicts(cells):
    """Every training-curve verdict against the last-epoch table above it: the same number of epochs,
    the same last training and validation loss, and a lowest validation loss no higher than the last."""
    n = 0
    for text in cells:
        for v in HISTORY.finditer(text):
            row = LAST_ROW.search(text)
            if not row:
                raise Missing(f"no last-epoch table beside {v[0][:60]!r}")
            ok = (int(v[1]) == int(row[2]) and abs(float(v[3]) - float(row[3])) < 1e-4
                  and abs(float(v[6]) - float(row[5])) < 1e-4 and float(v[5]) <= float(v[6]) + 1e-6
                  and 1 <= int(v[4]) <= int(v[1]))
            if not ok:
                return False, f"{v[0]!r} against the table row {row[0]!r}"
            n += 1
    if not n:
        raise Missing("no training-curve verdict")
    return True, f"{n} curve verdicts"


# --- claims of one notebook --------------------------------------------------------------------------

def found_counts(cells):
    text = "\n".join(cells)
    counts = [int(c) for c in re.findall(r"Found (\d+) images belonging to 20 classes", text)[:3]]
    return counts == [4838, 955, 952], f"Found lines: {counts}"


def untrained_photo(cells):
    text = cell_with(cells, r"sum = ")
    s, mean = float(find(r"sum = " + NUM, text)[1]), float(find(r"mean = " + NUM, text)[1])
    return abs(s - 1) < 1e-3 and abs(mean - 0.05) < 1e-3, f"sum {s}, mean {mean}"


def argmax_names_its_class(cells):
    text = "\n".join(cells)
    index = int(find(r"argmax = (\d+)", text)[1])
    indices = dict((name, int(i)) for name, i in re.findall(r'"([^"]+)": (\d+)', find(r"\{\"apple\": 0.*\}", text)[0]))
    named = find(r'the argmax names class "([^"]+)"', text)[1]
    return indices.get(named) == index, f"argmax {index}, named {named!r}"


def batch_loss_is_the_mean(cells):
    text = cell_with(cells, r"their mean:")
    mean, loss = float(find(r"their mean: +" + NUM, text)[1]), float(find(r"test_on_batch's loss: +" + NUM, text)[1])
    return abs(mean - loss) < 2e-4, f"mean {mean}, test_on_batch {loss}"


def overfits_within(epochs):
    """The first curve verdict over `epochs` epochs says the model overfits."""
    def check(cells):
        text = cell_with(cells, rf"Verdict: over {epochs} epochs")
        v = find(rf"Verdict: over {epochs} epochs.*", text)[0]
        return "overfits from epoch" in v, v[:200]
    return check


def longer_widens_the_gap(cells):
    v = find(r"Verdict: from epoch 5 to epoch 15, the gap (\w+)", "\n".join(cells))
    return v[1] == "widened", v[0]


SWEEP_ROW = re.compile(r"^(\d\.\de-\d+)( ★)? \| (\d+|–) \| ", re.M)


def sweep_verdict_matches_its_table(cells):
    text = cell_with(cells, r"learning rate \| best epoch")
    rows = [(r[1], bool(r[2]), r[3]) for r in SWEEP_ROW.finditer(text)]
    v = find(r"Verdict: the lowest validation loss came from learning rate (\S+), at epoch (\d+) of (\d+)", text)
    best = [r for r in rows if r[1]]
    pattern = r"best at epoch 1 \(overfitting from the first epoch\): ((?:\d\.\de-\d+(?:, )?)+)"
    first = find(pattern, text)[1].split(", ") if "best at epoch 1" in text else []
    diverged = re.findall(r"^(\S+) \| .*diverged", text, re.M)
    expected_first = [r[0] for r in rows if r[2] == "1" and r[0] not in diverged]
    ok = len(best) == 1 and (best[0][0], best[0][2]) == (v[1], v[2]) and first == expected_first
    return ok, f"★ {best}, verdict {v[1]} at {v[2]}; first-epoch {first} vs table {expected_first}"


def top5_has_its_chance_line(cells):
    chart = find(r"\[chart: Top-5 accuracy [^\]]*\]", "\n".join(cells))[0]
    return "chance (0.25)" in chart, chart


def training_went_on_in_the_background(cells):
    text = "\n".join(cells)
    shown = int(find(r"(\d+) epochs done when this cell ended", text)[1])
    m = find(r"stopped after (\d+) of 1000 epochs: (\d+) ran between the two cells", text)
    stopped, between = int(m[1]), int(m[2])
    return between >= 1 and stopped - shown == between, m[0]


def table_shows_this_run(printed):
    def check(cells):
        text = "\n".join(cells)
        acc = float(find(printed + r": test loss \d+\.\d+, test accuracy " + NUM, text)[1])
        row = float(find(r"snackml, this run \| [^|]+ \| \d+ \| " + NUM, text)[1])
        return abs(round(acc, 3) - row) < 1e-9, f"printed {acc}, table {row}"
    return check


def one_accuracy_is_002(printed):
    def check(cells):
        acc = float(find(printed + r": test loss \d+\.\d+, test accuracy " + NUM, "\n".join(cells))[1])
        return round(margin(acc, 952), 2) == 0.02, f"±{margin(acc, 952):.4f} on 952 at {acc}"
    return check


def parameters(cells):
    text = "\n".join(cells)
    total = int(find(r"total += +(\d+)", text)[1])
    first = int(find(r"3072 × 500 \+ 500 = +(\d+)", text)[1])
    ok = total == 1546520 and 1.45e6 <= total < 1.55e6 and (first - 500) / total > 0.99
    return ok, f"{total} in all, {first - 500} connecting inputs to hidden units"


def checkpoint_holds_the_model(cells):
    text = "\n".join(cells)
    return int(find(r"the checkpoint holds (\d+) parameters", text)[1]) == 1546520, "1,546,520"


def early_stopping_restored_its_best(cells):
    text = cell_with(cells, r"Restoring model weights")
    restored = int(find(r"best epoch: (\d+)\.", text)[1])
    losses = progress(text, "val_loss")
    best = min(range(len(losses)), key=lambda i: losses[i]) + 1 if losses else None
    said = int(find(r"val_loss was best at epoch (\d+)", "\n".join(cells))[1])
    return restored == best == said, f"restored {restored}, lowest val_loss at epoch {best}, verdict {said}"


def the_network_overfits_faster(cells):
    v = find(r"Verdict: from logistic regression, 5 epochs to the network, 3 epochs, the gap (\w+)", "\n".join(cells))
    return v[1] == "widened", v[0]


def augmentation_closes_the_gap(cells):
    v = find(r"Verdict: from as they are to augmented, the gap (\w+)", "\n".join(cells))
    return v[1] == "closed", v[0]


def scrambled_learn_as_well(cells):
    v = find(r"Verdict: photos " + NUM + r" against scrambled .*", "\n".join(cells))
    return "inside the noise" in v[0], v[0]


def convnet_parameters(cells):
    total = int(find(r"Total params: (\d+)", "\n".join(cells))[1])
    return total == 1177396, f"{total}"


def work_grows_with_pixels(cells):
    m = find(r"one photo's forward pass: " + NUM + r" GFLOP at 224 px, " + NUM + " GFLOP at 32 px", "\n".join(cells))
    ratio = float(m[1]) / float(m[2])
    return abs(ratio - 49) < 1.5, f"{m[1]} / {m[2]} GFLOP = {ratio:.1f} (the text: 49 times)"


BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench")


def keras_table_is_the_bench(cells):
    """The markdown's table of test accuracies (snackml's and Keras's medians over their runs) holds
    the medians of the runs recorded in bench/convnet-accuracy-32px-10ep.jsonl."""
    rows = [json.loads(line) for line in open(os.path.join(BENCH, "convnet-accuracy-32px-10ep.jsonl"))
            if line.startswith("{")]
    details = []
    for side, label in (("snackml", "snackml"), ("keras", "Keras")):
        accs = [r["acc"] for r in rows if r.get("side") == side and r.get("phase") == "trained_test"]
        shown = find(re.escape(label) + r", median of (\d+) runs \| (\d\.\d+) \|", cells.markdown)
        if len(accs) != int(shown[1]) or f"{statistics.median(accs):.3f}" != shown[2]:
            return False, f"{label}: the text says {shown[2]} over {shown[1]} runs, the bench {accs}"
        details.append(f"{label} {shown[2]}")
    return True, ", ".join(details) + " (the bench's medians)"


NB3, NB4, NB5 = "03-loading-the-data.ipynb", "04-training-logistic-regression.ipynb", \
    "05-your-first-neural-network.ipynb"
NB6 = "06-going-convolutional.ipynb"
CLAIMS = [
    (NB3, "the split sizes in the text (4,838 / 955 / 952) are the Found lines", found_counts, True),
    (NB3, "the untrained model's probabilities sum to 1 and average 1/20", untrained_photo, False),
    (NB3, "the class the argmax names is the argmax's class", argmax_names_its_class, False),
    (NB4, "the batch loss is the mean of the 64 per-photo losses", batch_loss_is_the_mean, False),
    (NB4, "every training-curve verdict matches its last-epoch table", history_verdicts, False),
    (NB4, "every accuracy comparison is recomputed from its numbers", compare_verdicts, False),
    (NB4, "every gap verdict is recomputed from its table", gap_verdicts, False),
    (NB4, "the sweep's verdict names the starred rate and the rates whose best epoch is 1", sweep_verdict_matches_its_table, False),
    (NB4, "top-5 accuracy is drawn with its chance line, 5/20", top5_has_its_chance_line, False),
    (NB4, "training went on between the two background cells", training_went_on_in_the_background, False),
    (NB4, "the closing table shows this run's test accuracy", table_shows_this_run("after 5 epochs"), False),
    (NB4, "one accuracy on the 952 test photos is ±0.02", one_accuracy_is_002("after 5 epochs"), True),
    (NB4, "on the photos, logistic regression overfits within 15 epochs (the chapter's lesson)", overfits_within(15), True),
    (NB4, "on the photos, training longer widens the train/validation gap", longer_widens_the_gap, True),
    (NB5, "about 1.5 million parameters, almost all between the inputs and the hidden units", parameters, False),
    (NB5, "every training-curve verdict matches its last-epoch table", history_verdicts, False),
    (NB5, "every accuracy comparison is recomputed from its numbers", compare_verdicts, False),
    (NB5, "every gap verdict is recomputed from its table", gap_verdicts, False),
    (NB5, "EarlyStopping restored the epoch of the lowest val_loss, and its verdict says so", early_stopping_restored_its_best, False),
    (NB5, "the checkpoint holds the whole network", checkpoint_holds_the_model, False),
    (NB5, "the closing table shows this run's test accuracy", table_shows_this_run("after 3 epochs"), False),
    (NB5, "on the photos, the network overfits faster than logistic regression (its gap is wider)", the_network_overfits_faster, True),
    (NB5, "on the photos, augmentation closes the train/validation gap", augmentation_closes_the_gap, True),
    (NB5, "on the photos, the scrambled photos learn as well as the real ones (within the noise)", scrambled_learn_as_well, True),
    (NB6, "the book's convnet has 1,177,396 parameters", convnet_parameters, False),
    (NB6, "a 224 × 224 forward pass is 49 times a 32 × 32 one", work_grows_with_pixels, False),
    (NB6, "every training-curve verdict matches its last-epoch table", history_verdicts, False),
    (NB6, "every accuracy comparison is recomputed from its numbers", compare_verdicts, False),
    (NB6, "every gap verdict is recomputed from its table", gap_verdicts, False),
    (NB6, "the table beside Keras holds the bench's medians", keras_table_is_the_bench, False),
    (NB6, "on the photos, the plain convnet overfits within its 16 epochs (the tools are against that)", overfits_within(16), True),
]


def claim_problems(name, nb, real, verbose=True):
    """The claims of notebook `name` that fail on `nb`'s outputs (real-only ones only when `real`)."""
    found = []
    cells = cell_texts(nb)
    for notebook, what, check, real_only in CLAIMS:
        if notebook != name or (real_only and not real):
            continue
        try:
            ok, detail = check(cells)
        except Missing as e:
            ok, detail = False, str(e)
        except (KeyError, ValueError, IndexError) as e:
            ok, detail = False, f"could not read the output: {e!r}"
        if ok:
            if verbose:
                print(f"    claim: {what}: {detail}")
        else:
            found.append(f"claim failed: {what}: {detail}")
    return found
