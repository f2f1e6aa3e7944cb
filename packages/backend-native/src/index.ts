export { loadNativeAddon, NATIVE_ACTIVATIONS, NATIVE_INSTALL_HINT, type NativeActivation, type NativeAddon, type NativeAddonLoad } from './native-addon';
