"""One dispatch API for Discord DMs and channel posts, through a durable outbox.

Plugins call::

    from sv_common import notify
    await notify.dm_player(session, player_id=7, content="Your invite code ...", feature="invite")
    await notify.post_channel(session, channel_id=cid, embed={"title": "Results"}, feature="contest")
    post = await notify.post_channel(session, channel_id=cid, embed=..., buttons=[[...]], feature="raids")
    await notify.edit_message(session, notification_id=post.id, embed=..., feature="raids")

Embeds and buttons are plain dicts (see :mod:`sv_common.notify.embeds` and
:mod:`sv_common.notify.components`). The DM switches are
enforced in :mod:`sv_common.notify.gate`; delivery, retries and failure records are in
:mod:`sv_common.notify.delivery`. The row is written in the caller's transaction.
"""

from sv_common.notify.delivery import DeliveryReport, DiscordUnavailable, Sender, deliver_pending
from sv_common.notify.gate import dm_block_reason, dm_feature_names
from sv_common.notify.models import NotificationOutbox
from sv_common.notify.service import (
    delete_notifications_for_player,
    dm_player,
    edit_message,
    list_notifications,
    list_notifications_for_player,
    notification_dict,
    post_channel,
    retry_notification,
    status_counts,
)
from sv_common.notify.trigger import set_delivery_trigger

__all__ = [
    "DeliveryReport",
    "DiscordUnavailable",
    "NotificationOutbox",
    "Sender",
    "deliver_pending",
    "delete_notifications_for_player",
    "dm_block_reason",
    "dm_feature_names",
    "dm_player",
    "edit_message",
    "list_notifications",
    "list_notifications_for_player",
    "notification_dict",
    "post_channel",
    "retry_notification",
    "set_delivery_trigger",
    "status_counts",
]
