import { describe, expect, test } from 'vitest';
import { exposureWarnings, httpExposureWarnings, isLoopbackHost } from './exposure-warnings.js';

describe('exposureWarnings', () => {
  test('loopback hosts need no warning', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarnings(host, { tokens: false, tls: false })).toEqual([]);
    }
  });

  test('an open listener without tokens is warned about, saying whether TLS is on', () => {
    const [plain] = exposureWarnings('0.0.0.0', { tokens: false, tls: false });
    expect(plain).toMatch(/0\.0\.0\.0.*without authentication \(TLS off\)/);
    const [tls] = exposureWarnings('[::]', { tokens: false, tls: true });
    expect(tls).toMatch(/without authentication \(TLS on\)/);
  });

  test('tokens without TLS off this machine are warned about; tokens and TLS are not', () => {
    expect(exposureWarnings('10.0.0.5', { tokens: true, tls: false })).toEqual([expect.stringMatching(/plaintext/)]);
    expect(exposureWarnings('10.0.0.5', { tokens: true, tls: true })).toEqual([]);
    expect(isLoopbackHost('127.0.0.1.example.com')).toBe(false);
  });
});

describe('httpExposureWarnings', () => {
  test('the dashboard off loopback is warned about: open without tokens, plaintext with them', () => {
    expect(httpExposureWarnings('127.0.0.1', { tokens: false })).toEqual([]);
    expect(httpExposureWarnings('0.0.0.0', { tokens: false })).toEqual([expect.stringMatching(/without authentication/)]);
    expect(httpExposureWarnings('0.0.0.0', { tokens: true })).toEqual([expect.stringMatching(/plaintext/)]);
  });
});
