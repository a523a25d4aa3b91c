"""A coded transcript's text is frozen: every quotation's offsets point into it.

Whether a transcript is coded is this app's knowledge, so the check is a `pre_save` receiver registered here
(`CodingConfig.ready`) rather than a look from `cases.Transcript` into its quotations.
"""

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.dispatch import receiver

from cases.models import Transcript
from coding.models import Segment


@receiver(pre_save, sender=Transcript, dispatch_uid="coding.frozen.refuse_text_change")
def refuse_text_change(sender, instance: Transcript, raw: bool, **kwargs) -> None:
    """Refuses to save a new text over a transcript that has quotations (fixtures load as they are)."""
    if raw or not instance.pk or not Segment.objects.filter(transcript_id=instance.pk).exists():
        return
    stored = Transcript.objects.filter(pk=instance.pk).values_list("text", flat=True).first()
    if stored is not None and stored != instance.text:
        raise ValidationError("The text of a coded transcript cannot change: codings point into it.")
