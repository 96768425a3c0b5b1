import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS, parseLineage } from "../../../src/modelpack/annotations.ts";
import { buildModelPack, modelFormat, type ModelPackInput } from "../../../src/modelpack/artifact.ts";
import { classifyLayer, isModelFileLayer } from "../../../src/modelpack/media-types.ts";
import { readModelPackManifest, runRecordLayer, modelCardLayer } from "../../../src/modelpack/reader.ts";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { sha256Digest } from "../../../src/registry/oci/client.ts";
import { publishableRecord, sha256Hex } from "../../../testing/fixtures/publishable-record.ts";

const SCHEMA_FILE = join(import.meta.dirname, "../../../schemas/modelpack/config-schema.json");

function validator() {
  // model-spec v0.0.7 declares draft-04 but uses $defs; ajv checks the keywords, not the meta-schema.
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  return ajv.compile(schema);
}

function input(overrides: Partial<ModelPackInput> = {}): ModelPackInput {
  const record = publishableRecord();
  return {
    record,
    recordBytes: new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`),
    modelRoot: "/ws/model",
    card: "# churn\n",
    version: "v3",
    serverUrl: "https://github.com",
    ...overrides,
  };
}

describe("buildModelPack", () => {
  it("builds a config that validates against the model-spec's own schema", () => {
    const validate = validator();
    const pack = buildModelPack(input());
    expect(validate(pack.config), JSON.stringify(validate.errors)).toBe(true);
    const parsed: unknown = JSON.parse(new TextDecoder().decode(pack.configBlob.bytes));
    expect(validate(parsed)).toBe(true);
    expect(pack.config.config).toEqual({ format: "joblib" });
  });

  it("the schema test can fail: metrics in the config are refused (additionalProperties: false)", () => {
    const validate = validator();
    const pack = buildModelPack(input());
    expect(validate({ ...pack.config, metrics: { accuracy: 1 } })).toBe(false);
    expect(validate({ ...pack.config, modelfs: { type: "layers", diffIds: [] } })).toBe(false);
    expect(
      validate({ ...pack.config, descriptor: { ...pack.config.descriptor, createdAt: "yesterday" } }),
    ).toBe(false);
  });

  it("uses the record's per-file sha256 as each weight layer's digest, with the file path annotation", () => {
    const pack = buildModelPack(input());
    const weights = pack.layers.filter((l) => l.mediaType === "application/vnd.cncf.model.weight.v1.raw");
    expect(weights.map((l) => [l.digest, l.size, l.annotations, l.path])).toEqual([
      [
        `sha256:${sha256Hex("weights")}`,
        7,
        { "org.cncf.model.filepath": "model/model.joblib" },
        "/ws/model/model.joblib",
      ],
      [
        `sha256:${sha256Hex("vocab")}`,
        5,
        { "org.cncf.model.filepath": "model/sub/vocab.txt" },
        "/ws/model/sub/vocab.txt",
      ],
    ]);
  });

  it("carries the record and the card as raw doc layers, digests of their exact bytes", () => {
    const built = input();
    const pack = buildModelPack(built);
    const docs = pack.layers.filter((l) => l.mediaType === "application/vnd.cncf.model.doc.v1.raw");
    expect(docs.map((d) => d.annotations?.["org.cncf.model.filepath"])).toEqual([
      "mlops-run.json",
      "MODEL_CARD.md",
    ]);
    expect(docs[0]?.digest).toBe(sha256Digest(built.recordBytes));
    expect(docs[1]?.bytes && new TextDecoder().decode(docs[1].bytes)).toBe("# churn\n");
    expect(pack.config.modelfs.diffIds).toEqual(pack.layers.map((l) => l.digest));
  });

  it("writes an OCI image manifest of artifactType ModelPack with lineage annotations", () => {
    const pack = buildModelPack(input());
    const manifest = JSON.parse(new TextDecoder().decode(pack.manifestBytes)) as Record<string, unknown>;
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.artifactType).toBe("application/vnd.cncf.model.manifest.v1+json");
    expect(manifest.config).toEqual({
      mediaType: "application/vnd.cncf.model.config.v1+json",
      digest: pack.configBlob.digest,
      size: pack.configBlob.size,
    });
    expect(pack.manifestDigest).toBe(sha256Digest(pack.manifestBytes));
    const annotations = manifest.annotations as Record<string, string>;
    expect(annotations["org.opencontainers.image.source"]).toBe("https://github.com/acme/churn");
    expect(annotations["org.opencontainers.image.revision"]).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(annotations["org.opencontainers.image.created"]).toBe("2026-11-01T10:00:00.000Z");
    expect(annotations["org.opencontainers.image.version"]).toBe("v3");
    expect(annotations["io.github.mlops-actions.fingerprint"]).toBe("f".repeat(64));
    expect(JSON.parse(annotations["io.github.mlops-actions.metrics"] ?? "")).toEqual({
      accuracy: 0.91,
      "per_class.1.f1": 0.8,
      seeds: [0.9, 0.92],
    });
    // Layers in the manifest carry no local paths or bytes.
    expect(JSON.stringify(manifest)).not.toContain("/ws/model");
  });

  it("is reproducible: the same inputs give the same manifest digest; another version does not", () => {
    expect(buildModelPack(input()).manifestDigest).toBe(buildModelPack(input()).manifestDigest);
    expect(buildModelPack(input({ version: "v4" })).manifestDigest).not.toBe(
      buildModelPack(input()).manifestDigest,
    );
  });

  it("refuses a record without model files", () => {
    const record = publishableRecord({ model: { ...publishableRecord().model, files: [], size: 0 } });
    expect(() => buildModelPack(input({ record }))).toThrow(ConfigurationError);
    expect(() => buildModelPack(input({ record }))).toThrow(/lists no model files for 'churn'/);
  });

  it("names a format only when the files agree on one", () => {
    expect(modelFormat(["a.onnx", "b.txt"])).toBe("onnx");
    expect(modelFormat(["a.onnx", "b.safetensors"])).toBeUndefined();
    expect(modelFormat(["weights.bin"])).toBeUndefined();
  });
});

describe("readers", () => {
  it("classify every vnd.cncf.model.weight.* type and the older vnd.cnai.model.* types", () => {
    for (const packing of ["raw", "tar", "tar+gzip", "tar+zstd"]) {
      expect(classifyLayer(`application/vnd.cncf.model.weight.v1.${packing}`)).toEqual({
        kind: "weight",
        packing,
        legacy: false,
      });
      expect(classifyLayer(`application/vnd.cnai.model.weight.v1.${packing}`)).toEqual({
        kind: "weight",
        packing,
        legacy: true,
      });
      expect(isModelFileLayer(`application/vnd.cncf.model.weight.config.v1.${packing}`)).toBe(true);
      expect(classifyLayer(`application/vnd.cnai.model.doc.v1.${packing}`)?.kind).toBe("doc");
    }
    expect(classifyLayer("application/vnd.oci.image.layer.v1.tar")).toBeUndefined();
    expect(classifyLayer("application/vnd.cncf.model.weight.v2.raw")).toBeUndefined();
    expect(isModelFileLayer("application/vnd.cncf.model.doc.v1.raw")).toBe(false);
  });

  it("read back what buildModelPack wrote: model files, run record, card, lineage", () => {
    const built = input();
    const pack = buildModelPack(built);
    const read = readModelPackManifest(pack.manifestBytes, "ghcr.io/acme/churn:v3");
    expect(read.modelFiles.map((l) => l.filepath)).toEqual(["model/model.joblib", "model/sub/vocab.txt"]);
    expect(runRecordLayer(read)?.digest).toBe(sha256Digest(built.recordBytes));
    expect(modelCardLayer(read)?.filepath).toBe("MODEL_CARD.md");
    expect(parseLineage(read.annotations, "v3")).toEqual(pack.lineage);
  });

  it("read a KitOps-era manifest with vnd.cnai types and org.cnai.model.filepath", () => {
    const digest = `sha256:${"1".repeat(64)}`;
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.cnai.model.manifest.v1+json",
      config: { mediaType: "application/vnd.cnai.model.config.v1+json", digest, size: 2 },
      layers: [
        {
          mediaType: "application/vnd.cnai.model.weight.v1.tar",
          digest,
          size: 10,
          annotations: { "org.cnai.model.filepath": "w.bin" },
        },
        { mediaType: "application/vnd.example.other", digest, size: 1 },
      ],
    };
    const read = readModelPackManifest(JSON.stringify(manifest), "old");
    expect(read.modelFiles.map((l) => [l.filepath, l.type.legacy, l.type.packing])).toEqual([
      ["w.bin", true, "tar"],
    ]);
    expect(read.other).toHaveLength(1);
    expect(runRecordLayer(read)).toBeUndefined();
  });

  it("refuse what is not a model artifact, and name a missing lineage key", () => {
    const image = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${"1".repeat(64)}`,
        size: 2,
      },
      layers: [],
    };
    expect(() => readModelPackManifest(JSON.stringify(image), "x:1")).toThrow(
      /x:1: not a ModelPack model artifact/,
    );
    expect(() => readModelPackManifest("{", "x:1")).toThrow(/not JSON/);
    expect(() =>
      readModelPackManifest(JSON.stringify({ ...image, layers: [{ digest: "md5:1" }] }), "x:1"),
    ).toThrow(/layers\.0/);
    const pack = buildModelPack(input());
    const { [ANNOTATIONS.fingerprint]: _dropped, ...rest } = pack.manifest.annotations ?? {};
    expect(() => parseLineage(rest, "x:1")).toThrow(/no 'io\.github\.mlops-actions\.fingerprint' annotation/);
  });
});
