import { describe, expect, it } from 'vitest';
import { matrixTable, parseGuestOutput, replaceBetweenMarkers, README_END, README_START, type GuestResult } from './result';
import { checkRow } from './check';

const capture: GuestResult = {
  mode: 'capture', release: '6.1.0-57-amd64', machine: 'x86_64', btf: true, lockdown: 'none', paranoid: 2, warnings: ['kptr:warn'], loaded: true, samples: 100,
  workloads: [
    { user: 'other user', samples: 50, lostUserStack: 0, symbolizedShare: 1, split: [0.5, 0.3, 0.2], leaves: { spin_parse_request: 25 } },
    { user: "agent's user", samples: 50, lostUserStack: 0, symbolizedShare: 0.5, split: [0.5, 0.3, 0.2], leaves: { '[unknown]+0x1': 25 } },
  ],
  otherUsersMapsWithPerfmon: 'readable', notes: [], bpfProgramsAfter: [],
};

describe('kernel matrix results', () => {
  it('finds the result line among kernel messages', () => {
    const serial = `[    1.0] booting\r\nEMBER-BOOTED 6.1\r\nEMBER-MATRIX ${JSON.stringify(capture)}\r\n[ 11.1] reboot: Power down\r\n`;
    expect(parseGuestOutput(serial)?.samples).toBe(100);
    expect(parseGuestOutput('EMBER-MATRIX {not json')).toBeUndefined();
    expect(parseGuestOutput('nothing')).toBeUndefined();
  });

  it('fails a row whose workload is not symbolized, and a kernel that is not the one booted', () => {
    expect(checkRow({ kernel: '6.1.0-57-amd64', arch: 'x86_64', mode: 'capture', result: capture, seconds: 1 })).toEqual([
      expect.stringContaining("agent's user's workload: only 50.0%"),
    ]);
    expect(checkRow({ kernel: '5.10.0-32-amd64', arch: 'x86_64', mode: 'capture', result: capture, seconds: 1 }).join()).toContain('posture says kernel 6.1.0-57-amd64');
    expect(checkRow({ kernel: '6.1.0-57-amd64', arch: 'x86_64', mode: 'capture', result: undefined, failure: 'timed out', seconds: 1 })).toEqual(['no result from the guest (timed out)']);
    expect(checkRow({ kernel: '6.1.0-57-amd64', arch: 'aarch64', mode: 'capture', result: { ...capture, workloads: [] }, seconds: 1 })).toContain('the guest is x86_64, not aarch64');
  });

  it('writes the table between the markers only', () => {
    const table = matrixTable([{ kernel: '6.1.0-57-amd64', arch: 'x86_64', mode: 'capture', result: capture, seconds: 17 }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('| 6.1.0-57-amd64 | x86_64 | yes | none | yes (paranoid 2) | 100 | 50: 100.0% (50:30:20) |');
    const readme = `# x\nbefore\n${README_START}\nold\n${README_END}\nafter\n`;
    expect(replaceBetweenMarkers(readme, table)).toBe(`# x\nbefore\n${README_START}\n${table}\n${README_END}\nafter\n`);
    expect(() => replaceBetweenMarkers('no markers', table)).toThrow(/kernel-matrix:start/);
  });
});
