// A modal dialog on the native <dialog> element: focus is trapped, Escape closes it.
import { useEffect, useRef, type ReactNode } from 'react';

export function Modal({ title, onClose, children, className }: { readonly title: string; readonly onClose: () => void; readonly children: ReactNode; readonly className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (typeof d.showModal === 'function' && !d.open) d.showModal();
    const cancel = (e: Event): void => {
      e.preventDefault();
      onCloseRef.current();
    };
    d.addEventListener('cancel', cancel);
    return () => {
      d.removeEventListener('cancel', cancel);
      if (d.open) d.close();
    };
  }, []);
  return (
    <dialog ref={ref} className={`modal ${className ?? ''}`} aria-labelledby="modal-title">
      <h2 id="modal-title">{title}</h2>
      {children}
    </dialog>
  );
}
