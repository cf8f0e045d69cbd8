#!/usr/bin/env python3
"""Fails when a Markdown link in the repository dangles.

For every Markdown file git tracks (what a fresh clone has), every inline link or image
`[text](target)`, `![alt](target)`, autolink-free reference definition `[id]: target` and HTML
`src=`/`href=` attribute outside code is checked:

- a relative target must name a file or folder that git tracks, inside the repository (a link
  that climbs out of it, like `../elsewhere/...`, is an error even if the file exists here);
- a `#fragment` on a Markdown target must match one of its headings (GitHub's slugs);
- a package README (the files in PACKAGE_READMES, shown on nuget.org where relative paths do
  not resolve) may only use absolute https links, and no images except absolute https ones.

Usage: check-links.py [ROOT]         check the repository at ROOT (default: this script's repo)
       check-links.py --self-test    prove the checker fails on each kind of bad link
Prints one line per problem and "check-links: N files, M links, K problems"; exits 1 on any.
"""
import os
import re
import subprocess
import sys
import tempfile

PACKAGE_READMES = {"src/Runtime/PACKAGE.md", "src/Cli/PACKAGE.md", "templates/PACKAGE.md"}

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def tracked_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True).stdout
    files = {f for f in out.decode("utf-8").split("\0") if f}
    folders = set()
    for f in files:
        parts = f.split("/")
        for i in range(1, len(parts)):
            folders.add("/".join(parts[:i]))
    return files, folders


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen, result = {}, set()
    in_fence = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            m = None if in_fence else re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                base = slug(m.group(1))
                n = seen.get(base, 0)
                seen[base] = n + 1
                result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(path):
    """(line number, target, is_image) of every link outside fenced code and code spans."""
    in_fence = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence or line.startswith("    ") and not line.strip().startswith(("-", "*", "|", "[", "!")):
                continue
            text = CODE_SPAN.sub("", line)
            for m in INLINE.finditer(text):
                yield number, m.group(1), m.group(0).startswith("!")
            m = REFERENCE.match(text)
            if m:
                yield number, m.group(1), False
            for m in HTML.finditer(text):
                yield number, m.group(1), "src" in m.group(0)[:4].lower()


def check(root):
    root = os.path.realpath(root)
    files, folders = tracked_files(root)
    markdown = sorted(f for f in files if f.lower().endswith(".md"))
    problems, count = [], 0
    anchor_cache = {}
    for md in markdown:
        full = os.path.join(root, md)
        if not os.path.exists(full):
            continue
        package_readme = md in PACKAGE_READMES
        for number, target, is_image in links(full):
            count += 1
            where = f"{md}:{number}: {target or '(empty)'}"
            if not target:
                problems.append(f"{where}: empty link target")
                continue
            if SCHEME.match(target):
                if package_readme and not target.startswith("https://"):
                    problems.append(f"{where}: a package README may only link absolute https addresses")
                continue
            if target.startswith("//"):
                problems.append(f"{where}: protocol-relative link")
                continue
            if package_readme:
                kind = "image" if is_image else "link"
                problems.append(f"{where}: relative {kind} in a package README (nuget.org cannot resolve it): use an absolute https address or none")
                continue
            path, _, fragment = target.partition("#")
            path = path.split("?", 1)[0]
            if path:
                base = root if path.startswith("/") else os.path.dirname(full)
                resolved = os.path.normpath(os.path.join(base, path.lstrip("/")))
                relative = os.path.relpath(resolved, root)
                if relative == ".." or relative.startswith(".." + os.sep):
                    problems.append(f"{where}: leaves the repository")
                    continue
                relative = relative.replace(os.sep, "/")
                if relative != "." and relative not in files and relative not in folders:
                    problems.append(f"{where}: no such file in the repository" + (" (it exists but git does not track it)" if os.path.exists(resolved) else ""))
                    continue
            else:
                relative = md
            if fragment and relative.lower().endswith(".md"):
                if relative not in anchor_cache:
                    anchor_cache[relative] = anchors(os.path.join(root, relative))
                if fragment.lower() not in anchor_cache[relative]:
                    problems.append(f"{where}: no heading #{fragment} in {relative}")
    for p in problems:
        print(p)
    print(f"check-links: {len(markdown)} files, {count} links, {len(problems)} problems")
    return 1 if problems else 0


def self_test():
    """Each bad link must be caught, and a clean file must pass."""
    cases = {
        "missing file": "[x](nope.md)",
        "outside the repository": "[x](../elsewhere/NOTES.md)",
        "untracked file": "[x](untracked.md)",
        "missing heading": "[x](good.md#no-such-heading)",
        "missing image": "![](images/none.png)",
        "relative link in a package README": None,
    }
    failures = 0
    for name, body in cases.items():
        with tempfile.TemporaryDirectory() as repo:
            subprocess.run(["git", "init", "-q", repo], check=True)
            with open(os.path.join(repo, "good.md"), "w") as f:
                f.write("# Good heading\n\n[self](#good-heading) [web](https://example.org) `[code](nope.md)`\n\n```\n[fenced](nope.md)\n```\n")
            open(os.path.join(repo, "untracked.md"), "w").close()
            files = ["good.md"]
            if body is None:
                os.makedirs(os.path.join(repo, "src", "Cli"))
                with open(os.path.join(repo, "src", "Cli", "PACKAGE.md"), "w") as f:
                    f.write("[docs](../../good.md)\n")
                files.append("src/Cli/PACKAGE.md")
            else:
                with open(os.path.join(repo, "bad.md"), "w") as f:
                    f.write(body + "\n")
                files.append("bad.md")
            subprocess.run(["git", "-C", repo, "add", *files], check=True)
            with open(os.devnull, "w") as null:
                stdout, sys.stdout = sys.stdout, null
                try:
                    clean = check(repo) == 0
                finally:
                    sys.stdout = stdout
            if clean:
                print(f"self-test: NOT caught: {name}")
                failures += 1
            else:
                print(f"self-test: caught: {name}")
    with tempfile.TemporaryDirectory() as repo:
        subprocess.run(["git", "init", "-q", repo], check=True)
        with open(os.path.join(repo, "good.md"), "w") as f:
            f.write("# Good heading\n\n## Good heading\n\n[a](#good-heading-1) [b](./) [c](good.md#good-heading)\n")
        subprocess.run(["git", "-C", repo, "add", "good.md"], check=True)
        if check(repo) != 0:
            print("self-test: a clean repository failed")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
