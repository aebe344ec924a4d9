// @vitest-environment jsdom
// The investigation slice: transforms belong to one view, filters replace each other, the
// breadcrumb pops, the sandwich and the view mode.
import { beforeEach, describe, expect, it } from 'vitest';
import { transformsOf, useStore } from './index';

beforeEach(() => {
  useStore.setState({ transforms: { key: '', list: [] }, selected: null, viewMode: 'call-tree', sandwichName: null, byProcess: null, transformsInExport: false });
});

describe('investigation slice', () => {
  it('keeps transforms per view and starts afresh for another one', () => {
    const s = useStore.getState();
    s.addTransform('capture:a', { type: 'merge-function', name: 'x' });
    s.addTransform('capture:a', { type: 'focus-function', name: 'y' });
    expect(transformsOf(useStore.getState(), 'capture:a').map((t) => t.type)).toEqual(['merge-function', 'focus-function']);
    expect(transformsOf(useStore.getState(), 'capture:b')).toEqual([]);
    // The same empty list every time (a selector must not return a new value per call).
    expect(transformsOf(useStore.getState(), 'capture:b')).toBe(transformsOf(useStore.getState(), 'capture:c'));
    s.addTransform('capture:b', { type: 'collapse-recursion', name: 'f' });
    expect(transformsOf(useStore.getState(), 'capture:a')).toEqual([]);
  });

  it('pops the breadcrumb at a step, and a filter replaces the previous one of its type', () => {
    const s = useStore.getState();
    s.addTransform('k', { type: 'merge-function', name: 'x' });
    s.setRowFilter('k', 'only-processes', [1]);
    s.setRowFilter('k', 'only-processes', [1, 2]);
    s.setRowFilter('k', 'only-threads', [5]);
    expect(transformsOf(useStore.getState(), 'k')).toEqual([{ type: 'merge-function', name: 'x' }, { type: 'only-processes', pids: [1, 2] }, { type: 'only-threads', tids: [5] }]);
    s.setRowFilter('k', 'only-processes', null);
    expect(transformsOf(useStore.getState(), 'k').map((t) => t.type)).toEqual(['merge-function', 'only-threads']);
    s.popTransforms('k', 1);
    expect(transformsOf(useStore.getState(), 'k')).toEqual([{ type: 'merge-function', name: 'x' }]);
    s.popTransforms('other', 0);
    expect(transformsOf(useStore.getState(), 'k')).toHaveLength(1);
    s.popTransforms('k', 0);
    expect(transformsOf(useStore.getState(), 'k')).toEqual([]);
  });

  it('opens the sandwich of a function and refuses more than 32 steps', () => {
    const s = useStore.getState();
    s.showSandwich('hash');
    expect([useStore.getState().viewMode, useStore.getState().sandwichName]).toEqual(['sandwich', 'hash']);
    for (let i = 0; i < 40; i++) s.addTransform('k', { type: 'merge-function', name: `f${i}` });
    expect(transformsOf(useStore.getState(), 'k')).toHaveLength(32);
  });
});
