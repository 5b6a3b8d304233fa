"""Chat events written the way the events API may deliver them: in any order, in batches."""

from hypothesis import strategies as st

from assistants import services
from assistants.services import NewMessage


def record_in_any_order(data, *, assistant, conversations, events, batch_size: int) -> None:
    """Records `events` ((conversation index, role, moment) of `conversations`) through
    `services.record_messages`, in an order drawn from `data`, `batch_size` at a time."""
    arrival = data.draw(st.permutations(events))
    for offset in range(0, len(arrival), batch_size):
        services.record_messages(
            assistant=assistant,
            messages=[
                NewMessage(conversations[c].pk, role, "…", when)
                for c, role, when in arrival[offset : offset + batch_size]
            ],
        )
