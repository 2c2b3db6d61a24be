#!/usr/bin/env python3
"""toml_compare.py - compares tagged-JSON documents for tests/toml-test.sh.

Usage: toml_compare.py LIST
LIST holds lines "NAME<TAB>EXPECTED.json<TAB>ACTUAL.json". For each pair that
differs, prints "FAIL NAME: reason" on stdout. Exits 0 when all match, 1
otherwise.

Trees are compared structurally: integers and floats as numbers (nan and
+-inf by name), offset date-times as instants, local date-times, dates and
times as normalised text (separator, 'Z' case, trailing zeros of the
fraction), strings and booleans as text.
"""
import json
import math
import re
import sys

DT = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$')
TIME = re.compile(r'^(\d{2}):(\d{2}):(\d{2})(\.\d+)?$')


def days_from_civil(y, m, d):
    # proleptic Gregorian day number (works for year 0000 too)
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def frac(f):
    return (f or '.')[1:].rstrip('0')


def scalar(typ, text):
    if typ == 'integer':
        return ('integer', int(text))
    if typ == 'float':
        t = text.lower().lstrip('+')
        if t in ('nan', '-nan'):
            return ('float', 'nan')
        if t in ('inf', '-inf'):
            return ('float', t)
        v = float(text)
        if math.isnan(v):
            return ('float', 'nan')
        return ('float', v)
    if typ == 'datetime':
        m = DT.match(text)
        if not m or not m.group(8):
            return ('datetime', 'unparsable:' + text)
        y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
        off = m.group(8)
        off_s = 0
        if off not in ('Z', 'z'):
            off_s = (int(off[1:3]) * 60 + int(off[4:6])) * 60 * (1 if off[0] == '+' else -1)
        secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off_s
        return ('datetime', secs, frac(m.group(7)))
    if typ == 'datetime-local':
        m = DT.match(text)
        if not m or m.group(8):
            return (typ, 'unparsable:' + text)
        return (typ, tuple(int(m.group(k)) for k in range(1, 7)), frac(m.group(7)))
    if typ == 'time-local':
        m = TIME.match(text)
        if not m:
            return (typ, 'unparsable:' + text)
        return (typ, tuple(int(m.group(k)) for k in range(1, 4)), frac(m.group(4)))
    return (typ, text)


def is_scalar(v):
    return (isinstance(v, dict) and set(v) == {'type', 'value'}
            and isinstance(v['type'], str) and isinstance(v['value'], str))


def diff(exp, act, path):
    """Returns a description of the first difference, or None."""
    if is_scalar(exp):
        if not is_scalar(act):
            return '%s: expected a %s scalar, got %s' % (path, exp['type'], json.dumps(act)[:80])
        try:
            e = scalar(exp['type'], exp['value'])
            a = scalar(act['type'], act['value'])
        except ValueError as x:
            return '%s: %s' % (path, x)
        if e != a:
            return '%s: expected %s %r, got %s %r' % (path, exp['type'], exp['value'],
                                                      act['type'], act['value'])
        return None
    if isinstance(exp, dict):
        if not isinstance(act, dict) or is_scalar(act):
            return '%s: expected a table, got %s' % (path, json.dumps(act)[:80])
        if set(exp) != set(act):
            return '%s: keys differ: missing %s, extra %s' % (
                path, sorted(set(exp) - set(act)), sorted(set(act) - set(exp)))
        for k in exp:
            r = diff(exp[k], act[k], '%s.%s' % (path, k))
            if r:
                return r
        return None
    if isinstance(exp, list):
        if not isinstance(act, list):
            return '%s: expected an array, got %s' % (path, json.dumps(act)[:80])
        if len(exp) != len(act):
            return '%s: expected %d elements, got %d' % (path, len(exp), len(act))
        for i, (e, a) in enumerate(zip(exp, act)):
            r = diff(e, a, '%s[%d]' % (path, i))
            if r:
                return r
        return None
    return '%s: unexpected expected-value %r' % (path, exp)


def main():
    failed = 0
    with open(sys.argv[1], encoding='utf-8') as lst:
        for line in lst:
            name, exp_path, act_path = line.rstrip('\n').split('\t')
            try:
                with open(exp_path, encoding='utf-8') as f:
                    exp = json.load(f)
            except (OSError, ValueError) as x:
                print('FAIL %s: cannot read expected output: %s' % (name, x))
                failed += 1
                continue
            try:
                with open(act_path, encoding='utf-8') as f:
                    act = json.load(f)
            except (OSError, ValueError) as x:
                print('FAIL %s: decoder output is not JSON: %s' % (name, x))
                failed += 1
                continue
            r = diff(exp, act, '$')
            if r:
                print('FAIL %s: %s' % (name, r))
                failed += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
