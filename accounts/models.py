from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address (no username)."""

    username = None
    email = models.EmailField("e-mail address", unique=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """How the site addresses the person: the name on their profile, else
        the name on the account, else the part of the e-mail before the @.
        Never "User 2": messages, e-mails and the admin all use this."""
        try:
            legal_name = self.profile.legal_name
        except LearnerProfile.DoesNotExist:
            legal_name = ""
        name = legal_name or self.get_full_name()
        if name:
            return name
        if self.email:
            return self.email.split("@", 1)[0]
        return "Closed account" if self.closed_at else f"Account {self.pk}"


class Profession(models.TextChoices):
    PSYCHOLOGIST = "psychologist", "Psychologist"
    COUNSELOR = "counselor", "Counselor"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PSYCHIATRIC_NURSE = "psychiatric_nurse", "Psychiatric nurse"
    PHYSICIAN = "physician", "Physician"
    OTHER = "other", "Other"


class LearnerProfile(models.Model):
    """What a CE certificate needs to know about the learner."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    legal_name = models.CharField(max_length=150, help_text="Your name exactly as it must appear on certificates.")
    profession = models.CharField(max_length=32, choices=Profession.choices)
    license_number = models.CharField(max_length=64, blank=True)
    license_jurisdiction = models.CharField("license issued by (state or country)", max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.legal_name

    @property
    def license_number_masked(self):
        """Only the last two characters are ever shown back."""
        number = self.license_number
        if not number:
            return ""
        visible = number[-2:] if len(number) > 4 else ""
        return "•" * max(len(number) - len(visible), 4) + visible
