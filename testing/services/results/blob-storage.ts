// The few Azure Blob operations the results service needs, authorised with SAS tokens signed here with
// node:crypto (HMAC-SHA256 over the documented string-to-sign), so no Azure SDK is needed on this side.
// Service SAS (blob): https://learn.microsoft.com/rest/api/storageservices/create-service-sas
// Account SAS (container creation): https://learn.microsoft.com/rest/api/storageservices/create-account-sas
import { createHmac } from "node:crypto";

/** A version whose string-to-sign layout (2020-12-06 and later) Azurite 3.x and Azure both accept. */
const SAS_VERSION = "2024-11-04";

export interface BlobAccount {
  blobUrl: string;
  accountName: string;
  accountKey: string;
}

export interface BlobSasOptions {
  /** Service SAS permissions in canonical order, e.g. "r" to read, "racw" to upload. */
  permissions: string;
  expiresInSeconds: number;
  /** Served back as Content-Disposition (the `rscd` override). */
  contentDisposition?: string;
}

/** Azure wants second precision without milliseconds: 2024-01-02T03:04:05Z. */
function sasTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function encodeBlobPath(blobName: string): string {
  return blobName.split("/").map(encodeURIComponent).join("/");
}

export class BlobStorage {
  readonly #account: BlobAccount;
  readonly #key: Buffer;

  constructor(account: BlobAccount) {
    this.#account = account;
    this.#key = Buffer.from(account.accountKey, "base64");
  }

  #sign(stringToSign: string): string {
    return createHmac("sha256", this.#key).update(stringToSign, "utf8").digest("base64");
  }

  /** A URL granting `permissions` on one blob until it expires. */
  signedBlobUrl(container: string, blobName: string, options: BlobSasOptions): string {
    const expiry = sasTime(new Date(Date.now() + options.expiresInSeconds * 1000));
    const disposition = options.contentDisposition ?? "";
    const stringToSign = [
      options.permissions,
      "", // signedStart
      expiry,
      `/blob/${this.#account.accountName}/${container}/${blobName}`,
      "", // signedIdentifier
      "", // signedIP
      "", // signedProtocol
      SAS_VERSION,
      "b", // signedResource: blob
      "", // signedSnapshotTime
      "", // signedEncryptionScope
      "", // rscc
      disposition,
      "", // rsce
      "", // rscl
      "", // rsct
    ].join("\n");
    const query = new URLSearchParams({
      sv: SAS_VERSION,
      sr: "b",
      sp: options.permissions,
      se: expiry,
    });
    if (disposition !== "") query.set("rscd", disposition);
    query.set("sig", this.#sign(stringToSign));
    return `${this.#account.blobUrl}/${container}/${encodeBlobPath(blobName)}?${query.toString()}`;
  }

  #accountSas(permissions: string, resourceTypes: string): string {
    const expiry = sasTime(new Date(Date.now() + 10 * 60 * 1000));
    const stringToSign = [
      this.#account.accountName,
      permissions,
      "b", // signedServices: blob
      resourceTypes,
      "", // signedStart
      expiry,
      "", // signedIP
      "", // signedProtocol
      SAS_VERSION,
      "", // signedEncryptionScope
      "",
    ].join("\n");
    return new URLSearchParams({
      sv: SAS_VERSION,
      ss: "b",
      srt: resourceTypes,
      sp: permissions,
      se: expiry,
      sig: this.#sign(stringToSign),
    }).toString();
  }

  async createContainer(container: string): Promise<void> {
    const url = `${this.#account.blobUrl}/${container}?restype=container&${this.#accountSas("c", "c")}`;
    const response = await fetch(url, { method: "PUT", headers: { "x-ms-version": SAS_VERSION } });
    const body = await response.text();
    // 409 ContainerAlreadyExists is fine: creation is idempotent for us.
    if (!response.ok && response.status !== 409) {
      throw new Error(`Creating container ${container} failed: ${response.status} ${body}`);
    }
  }

  /** The blob's size in bytes, or undefined when it does not exist. */
  async blobSize(container: string, blobName: string): Promise<number | undefined> {
    const url = this.signedBlobUrl(container, blobName, { permissions: "r", expiresInSeconds: 60 });
    const response = await fetch(url, { method: "HEAD", headers: { "x-ms-version": SAS_VERSION } });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`HEAD ${container}/${blobName} failed: ${response.status}`);
    return Number(response.headers.get("content-length"));
  }

  async deleteBlob(container: string, blobName: string): Promise<void> {
    const url = this.signedBlobUrl(container, blobName, { permissions: "d", expiresInSeconds: 60 });
    const response = await fetch(url, { method: "DELETE", headers: { "x-ms-version": SAS_VERSION } });
    await response.body?.cancel();
    if (!response.ok && response.status !== 404) {
      throw new Error(`Deleting ${container}/${blobName} failed: ${response.status}`);
    }
  }
}
