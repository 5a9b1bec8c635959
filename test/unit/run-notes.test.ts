import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManager } from '../../src-main/node/run-manager';
import { readRunNotes, RUN_NOTES_FILE, writeRunNotes } from '../../src-main/node/run-notes';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { tempDir } from '../helpers/fixture-tables';

describe('run notes (notes.json in the run folder)', () => {
  it('round-trips a name and notes, trimmed, and reads a missing file as none', () => {
    const dir = tempDir('notes');
    expect(readRunNotes(dir)).toBeNull();
    expect(writeRunNotes(dir, { name: '  baseline A ', notes: 'seed sweep\nfirst try ' })).toEqual({ name: 'baseline A', notes: 'seed sweep\nfirst try' });
    expect(readRunNotes(dir)).toEqual({ name: 'baseline A', notes: 'seed sweep\nfirst try' });
    expect(fs.readdirSync(dir)).toEqual([RUN_NOTES_FILE]); // no temp file left behind
  });

  it.each([
    ['not JSON', '{"name": "x"', /not JSON/],
    ['a foreign document', '{"name": 3, "notes": ""}', /not a notes file \(name:/],
    ['an extra field', '{"name": "", "notes": "", "cmd": "rm"}', /not a notes file/],
  ])('reads %s as no notes, with a warning naming the file', (_n, text, why) => {
    const dir = tempDir('notes-bad');
    fs.writeFileSync(path.join(dir, RUN_NOTES_FILE), text);
    const warnings: string[] = [];
    expect(readRunNotes(dir, (m) => warnings.push(m))).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(why)]);
    expect(warnings[0]).toContain(path.join(dir, RUN_NOTES_FILE));
  });

  it('does not follow a notes.json planted as a symbolic link', () => {
    const dir = tempDir('notes-link');
    fs.writeFileSync(path.join(dir, 'secret.json'), '{"name":"secret","notes":"leak"}');
    fs.symlinkSync(path.join(dir, 'secret.json'), path.join(dir, RUN_NOTES_FILE));
    const warnings: string[] = [];
    expect(readRunNotes(dir, (m) => warnings.push(m))).toBeNull();
    expect(warnings[0]).toMatch(/symbolic link/);
    writeRunNotes(dir, { name: 'mine', notes: '' }); // replaces the link, never writes through it
    expect(fs.readFileSync(path.join(dir, 'secret.json'), 'utf8')).toContain('secret');
    expect(fs.lstatSync(path.join(dir, RUN_NOTES_FILE)).isSymbolicLink()).toBe(false);
  });

  it('is set through the API, refusing a multi-line name or oversized notes', async () => {
    const dir = tempDir('notes-api');
    const manager = { get: () => ({ summary: { dir } }) } as unknown as RunManager;
    expect(await dispatchStudioCall(manager, { method: 'setRunNotes', id: 'r1', notes: { name: 'A', notes: 'b' } })).toEqual({ ok: true, value: { name: 'A', notes: 'b' } });
    for (const notes of [{ name: 'a\nb', notes: '' }, { name: 'a', notes: 'x'.repeat(4001) }, { name: 'a' }]) {
      const r = await dispatchStudioCall(manager, { method: 'setRunNotes', id: 'r1', notes });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    expect(readRunNotes(dir)).toEqual({ name: 'A', notes: 'b' });
  });
});
