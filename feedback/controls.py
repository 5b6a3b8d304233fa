"""What the rating controls under one answer need: the chat's page (through
`feedback_tags`) and the rate, details and withdraw views render the same template."""

from feedback.forms import DetailsForm, details_initial, reasons_offered
from feedback.models import COMMENT_MAX_LENGTH, CONTACT_NAME_MAX_LENGTH, Rating


def controls_context(
    *,
    user,
    answer,
    rating: Rating | None,
    reason_lists: dict[str, list[str]],
    managers: list,
    form: DetailsForm | None = None,
    note: str = "",
) -> dict:
    """The context of feedback/_rating.html. `form` is a bound form with errors to show;
    without it, the form as last saved."""
    if form is None:
        form = DetailsForm(
            initial=details_initial(user, rating), reasons=reasons_offered(reason_lists, rating)
        )
    return {
        "answer": answer,
        "assistant_id": answer.assistant_id,
        "rating": rating,
        "form": form,
        "chosen_reasons": set(form["reasons"].value() or []),
        "details_open": form.is_bound or bool(note),
        "note": note,
        "managers": managers,
        "comment_max_length": COMMENT_MAX_LENGTH,
        "contact_name_max_length": CONTACT_NAME_MAX_LENGTH,
    }
