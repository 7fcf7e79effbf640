// Plugin and VM configuration bytes (buffers 7 and 6).

import { BufferType } from "./abi/enums";
import { get_buffer_bytes, get_buffer_string } from "./body";

/** Plugin configuration bytes; readable only during onConfigure (empty elsewhere). */
export function get_plugin_configuration_bytes(): ArrayBuffer {
  return get_buffer_bytes(BufferType.PluginConfiguration, 0, u32.MAX_VALUE);
}

/** Plugin configuration as UTF-8 text; readable only during onConfigure. */
export function get_plugin_configuration(): string {
  return get_buffer_string(BufferType.PluginConfiguration, 0, u32.MAX_VALUE);
}

/** VM configuration bytes (readable at any time). */
export function get_vm_configuration_bytes(): ArrayBuffer {
  return get_buffer_bytes(BufferType.VmConfiguration, 0, u32.MAX_VALUE);
}

/** VM configuration as UTF-8 text. */
export function get_vm_configuration(): string {
  return get_buffer_string(BufferType.VmConfiguration, 0, u32.MAX_VALUE);
}
