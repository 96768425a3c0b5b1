// Which assets a version is on GitHub Releases, and GitHub's limits checked before any upload.
import { describe, expect, it } from "vitest";
import {
  modelAssetName,
  planAssets,
  RELEASE_ASSET_LIMIT_BYTES,
} from "../../../src/registry/github-release/assets.ts";
import { publishableRecord, sha256Hex } from "../../../testing/fixtures/publishable-record.ts";

const plan = (record = publishableRecord()) =>
  planAssets(record, "/ws/model", new Uint8Array(3), sha256Hex("rec"), new Uint8Array(4), sha256Hex("card"));

describe("release assets", () => {
  it("names model files model.<path> with / as -- and what GitHub would rename as _", () => {
    expect(modelAssetName("model.joblib")).toBe("model.model.joblib");
    expect(modelAssetName("sub/vocab.txt")).toBe("model.sub--vocab.txt");
    expect(modelAssetName("weights (final)/ä.bin")).toBe("model.weights__final_--_.bin");
  });

  it("plans every model file from disk, then the run record and the card", () => {
    expect(plan().map((a) => [a.name, a.size, a.path ?? "bytes"])).toEqual([
      ["model.model.joblib", 7, "/ws/model/model.joblib"],
      ["model.sub--vocab.txt", 5, "/ws/model/sub/vocab.txt"],
      ["mlops-run.json", 3, "bytes"],
      ["MODEL_CARD.md", 4, "bytes"],
    ]);
  });

  it("refuses a file of 2 GiB (not under the limit), naming it and registry: oci; one byte less passes", () => {
    const record = publishableRecord();
    const big = {
      ...record,
      model: {
        ...record.model,
        files: [{ path: "w.bin", sha256: "0".repeat(64), size: RELEASE_ASSET_LIMIT_BYTES }],
      },
    };
    expect(() => plan(big)).toThrow(/w\.bin \(2147483648 bytes\) is not under 2 GiB.*'registry: oci'/);
    big.model.files[0] = { path: "w.bin", sha256: "0".repeat(64), size: RELEASE_ASSET_LIMIT_BYTES - 1 };
    expect(plan(big)).toHaveLength(3);
  });

  it("refuses two files that would share an asset name", () => {
    const record = publishableRecord();
    const clash = {
      ...record,
      model: {
        ...record.model,
        files: [
          { path: "a b.bin", sha256: "0".repeat(64), size: 1 },
          { path: "a_b.bin", sha256: "1".repeat(64), size: 1 },
        ],
      },
    };
    expect(() => plan(clash)).toThrow(
      /Model files a b\.bin and a_b\.bin would both be the release asset 'model\.a_b\.bin'/,
    );
  });
});
