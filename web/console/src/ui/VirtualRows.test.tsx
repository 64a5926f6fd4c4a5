// A worklist of 500 callbacks mounts the rows in view, and scrolling renders only the rows that come into view.
import { act, render } from "@testing-library/react";
import { memo, useRef } from "react";
import { afterAll, beforeAll, expect, it } from "vitest";
import { VirtualRows, type RowProps } from "./VirtualRows";

const HEIGHT = 640;
const ROW = 64;
let restore: (() => void) | undefined;

beforeAll(() => {
  // jsdom has no layout: give the scroller a height, as a browser would.
  const height = Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight");
  const width = Object.getOwnPropertyDescriptor(Element.prototype, "clientWidth");
  Object.defineProperty(Element.prototype, "clientHeight", { configurable: true, get: () => HEIGHT });
  Object.defineProperty(Element.prototype, "clientWidth", { configurable: true, get: () => 800 });
  restore = () => {
    if (height) Object.defineProperty(Element.prototype, "clientHeight", height);
    if (width) Object.defineProperty(Element.prototype, "clientWidth", width);
  };
});
afterAll(() => restore?.());

it("renders a window of rows, and each row once as the list scrolls past it", () => {
  const items = Array.from({ length: 500 }, (_, n) => ({ id: `cb-${n}`, name: `Customer ${n}` }));
  const mounts = new Map<string, number>();
  let rerenders = 0; // renders of a row already on screen
  const Row = memo(function Row({ item }: RowProps<{ id: string; name: string }>) {
    const seen = useRef(false);
    if (seen.current) rerenders += 1;
    else mounts.set(item.id, (mounts.get(item.id) ?? 0) + 1);
    seen.current = true;
    return <span>{item.name}</span>;
  });
  const { container } = render(<VirtualRows kind="list" label="worklist" items={items} rowHeight={ROW} Row={Row} getKey={(i) => i.id} />);
  const mounted = container.querySelectorAll('[role="listitem"]').length;
  expect(mounted).toBeGreaterThan(5);
  expect(mounted).toBeLessThan(30); // 10 in view and a few either side, not 500
  const scroller = container.querySelector(".vscroll") as HTMLDivElement;
  const mountedBefore = mounts.size;
  for (let step = 1; step <= 10; step++) {
    act(() => {
      scroller.scrollTop = step * ROW * 5;
      scroller.dispatchEvent(new Event("scroll"));
    });
  }
  // 50 rows scrolled past: the rows that came into view mounted, and no row on screen rendered again.
  expect(rerenders).toBe(0);
  expect(mounts.size - mountedBefore).toBeGreaterThanOrEqual(45);
  expect(mounts.size).toBeLessThan(100);
  expect(container.textContent).toContain("Customer 55");
});
