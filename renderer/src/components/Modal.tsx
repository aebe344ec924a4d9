// A modal dialog on the native <dialog> element: focus is trapped, Escape closes it, and focus
// goes back to the control that opened it.
import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { restoreFocus } from '../focus';

export function Modal({ title, onClose, children, className }: { readonly title: string; readonly onClose: () => void; readonly children: ReactNode; readonly className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  // A layout effect: its clean-up runs while the dialog (and the focus in it) is still in the page.
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    const opener = document.activeElement;
    if (typeof d.showModal === 'function' && !d.open) d.showModal();
    const cancel = (e: Event): void => {
      e.preventDefault();
      onCloseRef.current();
    };
    d.addEventListener('cancel', cancel);
    return () => {
      d.removeEventListener('cancel', cancel);
      if (d.open) d.close();
      restoreFocus(opener, d);
    };
  }, []);
  return (
    <dialog ref={ref} className={`modal ${className ?? ''}`} aria-labelledby="modal-title">
      <h2 id="modal-title">{title}</h2>
      {children}
    </dialog>
  );
}
