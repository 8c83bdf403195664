/** Why a machine stopped running. */
export type MachineExit =
  /** RTAS power-off. */
  | { readonly kind: 'power-off' }
  /** RTAS system-reboot (returned only when the machine does not restart itself). */
  | { readonly kind: 'reboot' }
  /** RTAS ibm,os-term: the guest OS gave up (a panic), with its message. */
  | { readonly kind: 'os-term'; readonly message: string }
  /** The user asked to quit (Ctrl-A x, a signal, `Machine.quit()`). */
  | { readonly kind: 'quit' }
  /** Emulation cannot continue: an instruction ppcvm does not implement, an internal error. */
  | { readonly kind: 'error'; readonly message: string };
