// A long list that renders only the rows in view (plus a few), each row memoised: scrolling a 500-callback worklist
// or a 3,000-dealer ranking mounts the rows that come into view and leaves the others alone.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useRef, type ComponentType, type KeyboardEvent, type ReactNode } from "react";

export type RowProps<T> = { item: T; index: number; selected: boolean };

type Props<T> = {
  items: readonly T[];
  rowHeight: number;
  Row: ComponentType<RowProps<T>>;
  getKey: (item: T) => string;
  label: string;
  /** A table (with a header row of columnheaders) or a list. */
  kind: "table" | "list";
  header?: ReactNode;
  selected?: number;
  onKeyDown?: (event: KeyboardEvent<HTMLDivElement>) => void;
  className?: string;
};

export function VirtualRows<T>({ items, rowHeight, Row, getKey, label, kind, header, selected = -1, onKeyDown, className }: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 6,
    initialRect: { width: 1000, height: 700 },
    getItemKey: (index) => getKey(items[index]),
  });
  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: "auto" });
  }, [selected, virtualizer]);
  const table = kind === "table";
  return (
    <div
      ref={scroller}
      className={`vscroll ${className ?? ""}`}
      role={table ? "table" : "list"}
      aria-label={label}
      aria-rowcount={table ? items.length + 1 : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      {header}
      <div className="vbody" role={table ? "rowgroup" : undefined} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => (
          <Slot
            key={row.key as string}
            top={row.start}
            height={rowHeight}
            index={row.index}
            item={items[row.index]}
            Row={Row as ComponentType<RowProps<unknown>>}
            selected={row.index === selected}
            table={table}
            count={items.length}
          />
        ))}
      </div>
    </div>
  );
}

type SlotProps = {
  top: number;
  height: number;
  index: number;
  item: unknown;
  Row: ComponentType<RowProps<unknown>>;
  selected: boolean;
  table: boolean;
  count: number;
};

const Slot = memo(function Slot({ top, height, index, item, Row, selected, table, count }: SlotProps) {
  return (
    <div
      className={`vrow${selected ? " selected" : ""}`}
      style={{ transform: `translateY(${top}px)`, height }}
      role={table ? "row" : "listitem"}
      aria-rowindex={table ? index + 2 : undefined}
      aria-setsize={table ? undefined : count}
      aria-posinset={table ? undefined : index + 1}
    >
      <Row item={item} index={index} selected={selected} />
    </div>
  );
});
