#!/usr/bin/env python3
"""check-docs.py - nothing in the tree refers to what the tree does not have.

Checks, over every file git tracks (and new ones it does not ignore):
  1. every relative Markdown link resolves, and so does its #anchor when it
     points into a Markdown file;
  2. every path of the tree named anywhere (a document, a man page, a
     comment: "src/acl.c", "examples/systemd/") exists, or is a program the
     build makes from the tree (Makefile.am's *_PROGRAMS and *_LIBRARIES);
  3. every Markdown file named anywhere ("FORMATS.md") exists;
  4. every test a document or man page names (test_...) exists in tests/.
Prints each problem as FILE:LINE: what; exits 1 if there is any.
Run by `scripts/test.sh lint`; usage: check-docs.py [ROOT]
"""
import fnmatch
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
# Files that name paths which are not the tree's own: ignore lists, data.
SKIP = re.compile(r"^(\.gitignore|LICENSE|abi/|tests/fuzz-corpus/|bench/failover\.svg$|debian/copyright$|"
                  r"scripts/check-docs\.py$)")


def tracked_files():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(f for f in out.splitlines() if os.path.isfile(os.path.join(ROOT, f)))


def read_text(path):
    try:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            return f.read()
    except (UnicodeDecodeError, OSError):
        return None


def built_programs():
    """What Makefile.am builds: its *_PROGRAMS and *_LIBRARIES, with the
    variables they use expanded."""
    text = (read_text("Makefile.am") or "").replace("\\\n", " ")
    values = {}
    for m in re.finditer(r"^(\w+)\s*\+?=\s*(.*)$", text, re.M):
        values.setdefault(m.group(1), []).extend(m.group(2).split())

    def expand(words, depth=0):
        for w in words:
            ref = re.fullmatch(r"\$\((\w+)\)", w)
            if ref and depth < 5:
                yield from expand(values.get(ref.group(1), []), depth + 1)
            elif "/" in w:
                yield w

    return {w for name, words in values.items() if re.search(r"_(PROGRAMS|LIBRARIES|LTLIBRARIES)$", name)
            for w in expand(words)}


def slug(heading):
    """GitHub's anchor for a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[`*_~]|\[|\]\([^)]*\)", "", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    text = read_text(path) or ""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*?)\s*#*$", text, re.M)}


def main():
    files = tracked_files()
    top = {f.split("/", 1)[0] for f in files if "/" in f}
    programs = built_programs()
    test_names = set()
    for f in files:
        if f.startswith("tests/") and f.endswith(".c"):
            test_names.update(re.findall(r"^static void (test_\w+)\(void\)", read_text(f) or "", re.M))
    problems = []

    def problem(f, text, pos, what):
        problems.append(f"{f}:{text.count(chr(10), 0, pos) + 1}: {what}")

    def exists(path, base):
        path = path.rstrip("/")
        if any(c in path for c in "*?"):
            return bool(glob.glob(os.path.join(ROOT, path))) or any(fnmatch.fnmatch(p, path) for p in programs)
        return (os.path.exists(os.path.join(ROOT, path)) or os.path.exists(os.path.join(ROOT, base, path))
                or path in programs)

    path_re = re.compile(r"(?<![\w$/.~@-])((?:%s)/[\w.@/*+-]*)" % "|".join(re.escape(t) for t in sorted(top)))
    md_re = re.compile(r"(?<![\w/.-])([\w-]+\.md)\b")
    link_re = re.compile(r"\]\(([^)\s]+)\)")
    for f in files:
        if SKIP.match(f):
            continue
        text = read_text(f)
        if text is None:
            continue
        if f.startswith("man/"):
            text = text.replace("\\-", "-")
        base = os.path.dirname(f)
        is_md = f.endswith(".md")
        if is_md:
            for m in link_re.finditer(text):
                target = m.group(1)
                if re.match(r"^[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                resolved = os.path.normpath(os.path.join(base, path)) if path else f
                if not os.path.exists(os.path.join(ROOT, resolved)):
                    problem(f, text, m.start(), f"link to {target}: no such file")
                elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                    problem(f, text, m.start(), f"link to {target}: no such heading in {resolved}")
        for m in path_re.finditer(text):
            path = m.group(1).rstrip(".,:;")
            if "<" in path or not path.split("/", 1)[1]:
                continue
            if not exists(path, base):
                problem(f, text, m.start(), f"names {path}, which the tree does not have")
        for m in md_re.finditer(text):
            name = m.group(1)
            if not any(os.path.exists(os.path.join(ROOT, d, name)) for d in ("", "docs", base)):
                problem(f, text, m.start(), f"names {name}, which the tree does not have")
        if is_md or f.startswith("man/"):
            for m in re.finditer(r"\btest_\w+\*?(?!\w|\*|\()", text):
                name = m.group(0)
                if not any(fnmatch.fnmatch(t, name) for t in test_names):
                    problem(f, text, m.start(), f"names the test {name}, which tests/ does not have")
    for p in problems:
        print(p)
    print(f"check-docs: {len(files)} files read, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
