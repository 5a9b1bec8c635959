import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TableEstimator } from '../../src-main/core/estimators/table-estimator';
import { nb201Space, parseNb201 } from '../../src-main/common/spaces/nb201';
import { BenchmarkFileError, loadBenchmarkTables } from '../../src-main/node/benchmark-csv';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';
import { NB201_12EP_CSV, NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

let dir: string;
beforeAll(() => {
  dir = tempDir('csv');
});

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('benchmark tables', () => {
  it('loads the shared NAS-Bench-201 table and finds the published optimum', () => {
    requireSharedData();
    const t = loadBenchmarkTables([NB201_TEST_CSV], nb201Space);
    expect(t.columns).toEqual(['index', 'cifar10', 'cifar100', 'imagenet16-120']);
    const est = new TableEstimator(nb201Space, t, 'cifar100', ['cifar10']);
    expect(est.optimum().value).toBeCloseTo(73.5133, 4);
    expect(new TableEstimator(nb201Space, t, 'cifar10').optimum().value).toBeCloseTo(94.3733, 4);
    expect(new TableEstimator(nb201Space, t, 'imagenet16-120').optimum().value).toBeCloseTo(47.3111, 4);
    const arch = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');
    expect(est.report(arch)).toEqual({ cifar100: 70.2933, cifar10: 93.66 });
  });

  it('joins the 12-epoch and 200-epoch tables on arch (standard protocol)', () => {
    requireSharedData();
    const t = loadBenchmarkTables([NB201_12EP_CSV, NB201_TEST_CSV], nb201Space);
    expect(t.columns).toContain('cifar10-valid-12ep');
    expect(t.columns).toContain('cifar10');
    const est = new TableEstimator(nb201Space, t, 'cifar10-valid-12ep', ['cifar10']);
    const arch = parseNb201('|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|');
    expect(est.report(arch)).toEqual({ 'cifar10-valid-12ep': 63.364, cifar10: 85.8633 });
  });

  const header = 'index,arch,acc\n';
  const row = '0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,50.0\n';
  it.each([
    ['empty.csv', '', /empty\.csv: the file is empty/],
    ['header-only.csv', header, /header-only\.csv: the file has a header but no rows/],
    ['no-arch.csv', 'index,acc\n0,1\n', /no-arch\.csv:1: no "arch" column/],
    ['no-acc.csv', 'index,arch\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\n', /no-acc\.csv:1: no accuracy columns/],
    ['nan.csv', header + row + '1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,abc\n', /nan\.csv:3: column 3 \("acc"\) is not a number$/],
    ['unknown.csv', header + row + '1,|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n', /unknown\.csv:3: unknown architecture: column 2 \("arch"\) is not a valid NAS-Bench-201/],
    ['dup.csv', header + row + row.replace('0,', '1,'), /dup\.csv:3: duplicate architecture .* \(first on line 2\)/],
    ['ragged.csv', header + '0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\n', /ragged\.csv:2: not a valid CSV file: this row has a different number of fields than the header/],
  ])('rejects %s with file and line', (name, text, message) => {
    const f = write(name, text);
    expect(() => loadBenchmarkTables([f], nb201Space)).toThrow(BenchmarkFileError);
    expect(() => loadBenchmarkTables([f], nb201Space)).toThrow(message);
  });

  it('rejects a missing file and an incomplete table', () => {
    expect(() => loadBenchmarkTables([path.join(dir, 'nope.csv')], nb201Space)).toThrow(/nope\.csv: cannot read the file \(ENOENT\)/);
    const t = loadBenchmarkTables([write('small.csv', header + row)], nb201Space);
    expect(() => new TableEstimator(nb201Space, t, 'acc')).toThrow(/covers 1 of the 15625 architectures/);
    expect(() => new TableEstimator(nb201Space, t, 'cifar')).toThrow(/metric column "cifar" is not in .*columns: index, acc/);
  });

  it('rejects joins of tables with different architectures or clashing columns', () => {
    const a = writeSyntheticNb201(path.join(dir, 'a.csv'), ['x']);
    const b = writeSyntheticNb201(path.join(dir, 'b.csv'), ['y'], (l) => l.splice(5, 1));
    const c = writeSyntheticNb201(path.join(dir, 'c.csv'), ['x']);
    expect(() => loadBenchmarkTables([a, b], nb201Space)).toThrow(/a\.csv:6: architecture .* is not in .*b\.csv/);
    expect(() => loadBenchmarkTables([a, c], nb201Space)).toThrow(/c\.csv:1: column "x" is also in .*a\.csv/);
  });
});
