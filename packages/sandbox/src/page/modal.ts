import { element } from './markdown.ts';
import type { ShownModal } from '../contract.ts';

/**
 * Shows the modal backstop asked Discord to open (with the library's <discord-modal>), and resolves with the values
 * typed into it, or null when the person cancels.
 */
export async function showModal(modal: ShownModal, look: { botName: string; avatar: string }): Promise<Record<string, string> | null> {
  const inputs = modal.inputs.map((input) =>
    element('discord-input-text', {
      type: input.style,
      label: input.label,
      'data-custom-id': input.custom_id,
      ...(input.required ? { required: '' } : {}),
      ...(input.min_length !== undefined ? { 'min-length': String(input.min_length) } : {}),
      ...(input.max_length !== undefined ? { 'max-length': String(input.max_length) } : {}),
      ...(input.placeholder ? { placeholder: input.placeholder } : {}),
    }),
  );
  const el = element('discord-modal', { 'modal-title': modal.title, author: look.botName, avatar: look.avatar, 'data-modal-id': modal.custom_id }, inputs) as HTMLElement & {
    submitForm?: () => void;
    closeForm?: () => void;
    updateComplete?: Promise<unknown>;
  };
  document.body.append(el);
  await customElements.whenDefined('discord-modal');
  await el.updateComplete;
  return new Promise((resolve) => {
    let submitted = false;
    el.submitForm = () => {
      submitted = true;
      resolve(Object.fromEntries(inputs.map((i) => [i.dataset.customId!, String((i as unknown as { value?: string }).value ?? '')])));
    };
    // Called when the dialog closes, after a submit as well as on Cancel.
    el.closeForm = () => {
      el.remove();
      if (!submitted) resolve(null);
    };
    // What the library's own <discord-button modal-id> does to open one: show the dialog, then its box.
    const dialog = el.shadowRoot?.querySelector('dialog');
    dialog?.showModal();
    const box = dialog?.querySelector<HTMLElement>('div.discord-modal-box');
    if (box) box.style.display = 'flex';
    el.querySelector<HTMLElement>('discord-input-text')?.shadowRoot?.querySelector<HTMLElement>('textarea, input')?.focus();
  });
}
