// A page bundled by Vite from the installed tarballs: the device SDK's browser entry (IndexedDB
// key store, enrollment, signed decisions) and the <helpdesk-verify> element.
import '@helpdesk-auth/widget';
import { createDeviceClient, createIndexedDbKeyStore } from '@helpdesk-auth/device-sdk';

const phone = createDeviceClient({ store: createIndexedDbKeyStore('packed-test'), baseUrl: location.origin });

window.packed = {
  widgetDefined: customElements.get('helpdesk-verify') !== undefined,
  async enroll(link) {
    const state = await phone.enroll(link, { label: 'Browser bundle', platform: 'web' });
    return state.deviceId;
  },
  async approve(id, code) {
    const request = await phone.fetchRequest(id);
    const { status } = await phone.decide(request, { decision: 'approve', code });
    return { status, agentName: request.agentName };
  },
  showWidget(token) {
    const element = document.createElement('helpdesk-verify');
    element.setAttribute('token', token);
    element.setAttribute('lang', 'en');
    document.getElementById('host').append(element);
  },
};
