import { createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { describe, expect, it, vi } from "vitest";
import { warmHttpStack } from "../../../probes/http/index.ts";
import { warmUpCertificate } from "../../../probes/http/warm-certificate.ts";

describe("the warm-up's certificate", () => {
  it("is a self-signed X.509 certificate for 127.0.0.1 that OpenSSL reads and verifies, valid around now", () => {
    const now = new Date("2026-12-02T12:00:00Z");
    const { key, cert } = warmUpCertificate(now);
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe("CN=vigie warm-up");
    expect(x509.subjectAltName).toBe("IP Address:127.0.0.1");
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(new Date(x509.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(x509.validTo).getTime()).toBeGreaterThan(now.getTime());
    expect(x509.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("takes the runner through a verified TLS handshake when the HTTP stack warms up", async () => {
    const checked = vi.spyOn(tls, "checkServerIdentity");
    try {
      await warmHttpStack();
      expect(checked).toHaveBeenCalledWith("127.0.0.1", expect.objectContaining({ subject: expect.objectContaining({ CN: "vigie warm-up" }) }));
    } finally {
      checked.mockRestore();
    }
  });
});
