/**
 * Notification preferences (通知设置) as the form edits them: the body of
 * PUT /api/notifications/preferences from the form's values. A saved DingTalk secret is shown as
 * ****** and sent back as such, which keeps it; clearing the field removes it.
 */

/**
 * @typedef {{ channels: string[], digest: boolean, webhookUrl: string, webhookFormat: string, webhookSecret: string }} PreferenceValues
 * @param {PreferenceValues} values
 */
export function preferencesBody({ channels, digest, webhookUrl, webhookFormat, webhookSecret }) {
  const url = webhookUrl.trim();
  const secret = webhookSecret.trim();
  return {
    channels,
    digest,
    ...(url && {
      webhook: { url, format: webhookFormat, ...(secret && webhookFormat === 'dingtalk' && { secret }) },
    }),
  };
}
