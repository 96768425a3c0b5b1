// GitHub Releases as a model store: the calls publish and read need, over a structural slice of Octokit
// (tests pass a real client against the GitHub double). Uploads stream a file from disk to the release's
// `upload_url` as raw `application/octet-stream` (constant memory); downloads ask the asset's API URL
// with `Accept: application/octet-stream`, follow the 302 and hash while they write.
// Pure of @actions/*: every request goes through the caller's client (its token, proxy, rate limits).
import { createHash } from "node:crypto";
import { ConfigurationError } from "../../formats/errors.ts";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

export interface ReleaseAsset {
  id: number;
  name: string;
  size: number;
  state: string;
  /** `sha256:<hex>` where GitHub returns it (null for older assets and `starter` ones). */
  digest?: string | null;
  url: string;
  browser_download_url: string;
}

export interface Release {
  id: number;
  tag_name: string;
  draft: boolean;
  immutable?: boolean;
  body?: string | null;
  html_url: string;
  upload_url: string;
  assets: ReleaseAsset[];
}

type Repo = { owner: string; repo: string };

/** The slice of Octokit (GitHubClient) the store calls. */
export interface ReleasesGitHub {
  /** Raw requests: uploads to `upload_url` and asset downloads (proxies, auth and limits as for the rest). */
  request(options: {
    method: "GET" | "POST";
    url: string;
    headers: Record<string, string>;
    data?: unknown;
    request?: { retries?: number; parseSuccessResponseBody?: boolean };
  }): Promise<{ status: number; data: unknown }>;
  rest: {
    repos: {
      createRelease(
        params: Repo & {
          tag_name: string;
          target_commitish: string;
          name: string;
          body: string;
          draft: true;
          prerelease: false;
        },
      ): Promise<{ data: Release }>;
      getReleaseByTag(params: Repo & { tag: string }): Promise<{ data: Release }>;
      listReleases(params: Repo & { per_page: number; page: number }): Promise<{ data: Release[] }>;
      listReleaseAssets(
        params: Repo & { release_id: number; per_page: number; page: number },
      ): Promise<{ data: ReleaseAsset[] }>;
      deleteReleaseAsset(params: Repo & { asset_id: number }): Promise<unknown>;
      updateRelease(
        params: Repo & { release_id: number; draft: false; make_latest: "false"; body: string },
      ): Promise<{ data: Release }>;
      deleteRelease(params: Repo & { release_id: number }): Promise<unknown>;
    };
    git: {
      deleteRef(params: Repo & { ref: string }): Promise<unknown>;
    };
  };
}

export interface UploadSource {
  name: string;
  size: number;
  /** A file to stream, or the bytes themselves. */
  path?: string;
  bytes?: Uint8Array;
}

/** Downloaded bytes that are not the ones the record (or GitHub's digest) names. */
export class ReleaseIntegrityError extends ConfigurationError {}

export class UploadError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message);
    this.status = status;
  }
}

const PAGE = 100;

export class ReleaseStore {
  private readonly github: ReleasesGitHub;
  private readonly where: Repo;
  constructor(github: ReleasesGitHub, where: Repo) {
    this.github = github;
    this.where = where;
  }

  /** The published release on `tag`, or undefined (drafts are not found by tag). */
  async published(tag: string): Promise<Release | undefined> {
    try {
      return (await this.github.rest.repos.getReleaseByTag({ ...this.where, tag })).data;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** Drafts on `tag` (left by a run that died mid-publish). */
  async drafts(tag: string): Promise<Release[]> {
    const found: Release[] = [];
    for (let page = 1; ; page++) {
      const { data } = await this.github.rest.repos.listReleases({ ...this.where, per_page: PAGE, page });
      found.push(...data.filter((r) => r.draft && r.tag_name === tag));
      if (data.length < PAGE) return found;
    }
  }

  createDraft(tag: string, commitSha: string, name: string, body: string): Promise<Release> {
    return this.github.rest.repos
      .createRelease({
        ...this.where,
        tag_name: tag,
        target_commitish: commitSha,
        name,
        body,
        draft: true,
        prerelease: false,
      })
      .then((r) => r.data);
  }

  async assets(releaseId: number): Promise<ReleaseAsset[]> {
    const found: ReleaseAsset[] = [];
    for (let page = 1; ; page++) {
      const { data } = await this.github.rest.repos.listReleaseAssets({
        ...this.where,
        release_id: releaseId,
        per_page: PAGE,
        page,
      });
      found.push(...data);
      if (data.length < PAGE) return found;
    }
  }

  async deleteAsset(assetId: number): Promise<void> {
    await this.github.rest.repos.deleteReleaseAsset({ ...this.where, asset_id: assetId });
  }

  /** Publishes a draft: never the repository's "latest" (a model release must not take it over). */
  async publish(releaseId: number, body: string): Promise<Release> {
    return (
      await this.github.rest.repos.updateRelease({
        ...this.where,
        release_id: releaseId,
        draft: false,
        make_latest: "false",
        body,
      })
    ).data;
  }

  async deleteRelease(releaseId: number): Promise<void> {
    await this.github.rest.repos.deleteRelease({ ...this.where, release_id: releaseId });
  }

  /** Deletes a git ref (`refs/tags/…`). */
  async deleteRef(ref: string): Promise<void> {
    await this.github.rest.git.deleteRef({ ...this.where, ref: ref.replace(/^refs\//, "") });
  }

  /** One upload request through `upload_url`: raw bytes, streamed from disk. */
  async upload(release: Release, source: UploadSource): Promise<ReleaseAsset> {
    const url = new URL(release.upload_url.replace(/\{[^}]*\}$/, ""));
    url.searchParams.set("name", source.name);
    const body =
      source.path === undefined
        ? Buffer.from(source.bytes ?? new Uint8Array())
        : (Readable.toWeb(createReadStream(source.path)) as unknown as ReadableStream<Uint8Array>);
    try {
      const response = await this.github.request({
        method: "POST",
        url: url.toString(),
        headers: { "content-type": "application/octet-stream", "content-length": String(source.size) },
        data: body,
        // A streamed body cannot be sent twice: the caller retries (and cleans up a `starter` asset).
        request: { retries: 0 },
      });
      return response.data as ReleaseAsset;
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw new UploadError(
        `upload of ${source.name} failed${status === undefined ? "" : ` (${status})`}: ${(error as Error).message.split("\n")[0] ?? ""}`,
        status,
      );
    }
  }

  /**
   * Downloads an asset to `path` (Accept: application/octet-stream on its API URL, following the 302),
   * verifying size and sha256; a mismatch leaves no file.
   */
  async download(
    asset: ReleaseAsset,
    path: string,
    expected: { size: number; sha256: string | undefined },
  ): Promise<void> {
    // Accept: application/octet-stream answers 302 to a signed URL; fetch follows it (and drops the
    // token on the way to another origin). The body streams to disk while it is hashed.
    const response = await this.github.request({
      method: "GET",
      url: asset.url,
      headers: { accept: "application/octet-stream" },
      request: { parseSuccessResponseBody: false },
    });
    const stream = response.data as WebReadableStream<Uint8Array> | null;
    if (!stream)
      throw new Error(`Downloading release asset ${asset.name} answered ${response.status} without a body.`);
    const hash = createHash("sha256");
    let size = 0;
    const partial = `${path}.partial`;
    const out = createWriteStream(partial);
    try {
      await pipeline(
        Readable.fromWeb(stream),
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            out.write(chunk, done);
          },
          final(done) {
            out.end(done);
          },
        }),
      );
      const sha256 = hash.digest("hex");
      if (size !== expected.size || (expected.sha256 !== undefined && sha256 !== expected.sha256)) {
        throw new ReleaseIntegrityError(
          `Release asset ${asset.name} is ${size} bytes with sha256 ${sha256}; expected ${expected.size} bytes${expected.sha256 === undefined ? "" : `, sha256 ${expected.sha256}`}. The release was changed after it was published, or the download was cut short.`,
        );
      }
      await rename(partial, path);
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    }
  }
}
