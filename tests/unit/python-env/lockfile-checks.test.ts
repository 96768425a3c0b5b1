// Our lockfile digests against pipenv's and poetry's own code (Debian's pipenv and python3-poetry).
import { describe, expect, it } from "vitest";
import {
  normaliseName,
  pipfileHash,
  poetryContentHashes,
  requirementNames,
  unpinnedRequirements,
} from "../../../src/python-env/lockfile-checks.ts";
import { python, tempFile, tomlValue } from "./support.ts";

const PLETTE = `import sys
sys.path.insert(0, "/usr/lib/python3/dist-packages")
from pipenv.vendor import plette
print(plette.Pipfile.load(open(sys.argv[1])).get_hash().value)`;

const POETRY = `import sys, tomllib
from poetry.packages.locker import Locker
data = tomllib.load(open(sys.argv[1], "rb"))
print(Locker("/nonexistent/poetry.lock", data.get("tool", {}).get("poetry", {}))._get_content_hash())`;

const PIPFILES: Array<[string, string]> = [
  [
    "the usual layout",
    `[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n[packages]\nnumpy = "==1.26.4"\nrequests = {version = "*", extras = ["socks"]}\n\n[dev-packages]\npytest = "*"\n\n[requires]\npython_version = "3.11"\n`,
  ],
  ["no [[source]]: pipenv adds PyPI", `[packages]\nscikit-learn = ">=1.2"\n`],
  [
    "custom categories, scripts and [pipenv] (left out)",
    `[packages]\ntorch = {version = "==2.3.0", index = "pytorch"}\n\n[docs]\nsphinx = "*"\n\n[scripts]\ntrain = "python train.py"\n\n[pipenv]\nallow_prereleases = true\n\n[[source]]\nname = "pytorch"\nurl = "https://download.pytorch.org/whl/cpu"\nverify_ssl = true\n`,
  ],
  ["non-ASCII text", `[packages]\n"zürich-utils" = {path = "./vendor/zürich", editable = true}\n`],
];

describe("pipfileHash equals pipenv's Pipfile.lock _meta.hash.sha256", () => {
  it.each(PIPFILES)("%s", (_name, text) => {
    const expected = python(PLETTE, tempFile("Pipfile", text));
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(pipfileHash(tomlValue(text))).toBe(expected);
  });

  it("changes when a package is added", () => {
    const [, text] = PIPFILES[0] ?? ["", ""];
    expect(pipfileHash(tomlValue(`${text}\n[packages.extra]\nversion = "*"\n`))).not.toBe(
      pipfileHash(tomlValue(text)),
    );
  });
});

const PYPROJECTS: Array<[string, string]> = [
  [
    "dependencies and groups",
    `[tool.poetry]\nname = "demo"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nnumpy = "^1.26"\ntorch = { version = "2.3.0", source = "pytorch" }\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n\n[[tool.poetry.source]]\nname = "pytorch"\nurl = "https://download.pytorch.org/whl/cpu"\npriority = "explicit"\n`,
  ],
  [
    "legacy dev-dependencies and extras",
    `[tool.poetry]\nname = "demo"\nversion = "1.0"\n\n[tool.poetry.dependencies]\npython = ">=3.10"\npandas = { version = "^2", optional = true }\n\n[tool.poetry.dev-dependencies]\nblack = "*"\n\n[tool.poetry.extras]\ndata = ["pandas"]\n`,
  ],
];

describe("poetryContentHashes holds the content-hash poetry writes", () => {
  it.each(PYPROJECTS)("Poetry 1.x: %s", (_name, text) => {
    const expected = python(POETRY, tempFile("pyproject.toml", text));
    expect(poetryContentHashes(tomlValue(text))).toContain(expected);
  });

  it("Poetry 2.x with a [project] table: the nested form (json.dumps of what Locker builds)", () => {
    const text = `[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["numpy>=1.26"]\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n`;
    // Poetry 2's Locker._get_content_hash, as published, builds this structure; Python hashes it here.
    const expected = python(
      `import hashlib, json
relevant = {"project": {"requires-python": ">=3.11", "dependencies": ["numpy>=1.26"]},
            "tool": {"poetry": {"group": {"dev": {"dependencies": {"pytest": "^8"}}}}}}
print(hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest())`,
    );
    expect(poetryContentHashes(tomlValue(text))).toContain(expected);
  });

  it("does not hold the hash of a pyproject with other dependencies", () => {
    const [, text] = PYPROJECTS[0] ?? ["", ""];
    const other = python(POETRY, tempFile("pyproject.toml", text.replace('numpy = "^1.26"', 'numpy = "^2"')));
    expect(poetryContentHashes(tomlValue(text))).not.toContain(other);
  });
});

describe("requirements.in against the requirements.txt pip-compile wrote", () => {
  const txt = `#\n# pip-compile requirements.in\n#\nnumpy==1.26.4\n    # via -r requirements.in\nscikit-learn==1.4.2\nPyYAML==6.0.1 \\\n    --hash=sha256:abc\n`;

  it("accepts names in any spelling PEP 503 treats as equal", () => {
    expect(
      unpinnedRequirements("numpy>=1.20\nscikit_learn\npyyaml  # config\n-c constraints.txt\n", txt),
    ).toEqual([]);
  });

  it("names what the .in asks for that the .txt does not pin, with its line", () => {
    expect(
      unpinnedRequirements("numpy\n\n# models\ntorch[cpu]>=2 ; python_version >= '3.10'\n", txt),
    ).toEqual([{ name: "torch", line: 4 }]);
  });

  it("leaves out options, paths and URLs, which carry no name to compare", () => {
    expect(
      requirementNames(
        "-r base.in\n-e ./pkg\n./local.whl\nhttps://x.example/y.whl\n--index-url https://i\nok\n",
      ),
    ).toEqual([{ name: "ok", line: 6 }]);
    expect(normaliseName("Foo.Bar__baz")).toBe("foo-bar-baz");
  });
});
