"""Password complexity and expiry for staff roles (等保 2.0, issue #12).

Staff roles (every role but ``enterprise``) need 10 characters of 3 of the 4 classes, on every
path that sets a password (createuser's service, the admin, the 修改密码 page); a staff password
older than LINGJUN_PASSWORD_MAX_AGE_DAYS sends the user to 修改密码 and nothing else opens.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.selectors import password_expired
from lingjun.apps.accounts.services import demo_password, user_create
from lingjun.apps.accounts.validators import character_classes

pytestmark = pytest.mark.django_db

GOOD = "Zx9!correct-horse"
NEW = "Qm7#another-horse"


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return "；".join(exc.value.messages)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz9", "至少需要10个字符"),  # 8 characters, 4 classes: long enough for an enterprise
        ("qwertzuiopas", "至少3类（现只有1类）"),
        ("qwertz7uiopas", "至少3类（现只有2类）"),
        ("x1y2z3w4v5", "至少3类（现只有2类）"),
    ],
)
def test_a_staff_password_needs_ten_characters_of_three_classes(password, message):
    for role in ("district_admin", "district_staff", "town_officer", "evaluator", "finance", "department"):
        with pytest.raises(ValidationError) as exc:
            validate_password(password, user=User(username="li", role=role))
        assert message in _messages(exc), role


def test_three_classes_suffice_and_enterprise_users_keep_the_ordinary_rules():
    for password in ("Qwertz7uiopas", "qwertz7uiop!", "QWERTZ7UIOP!", "Zx9!correct-horse"):
        validate_password(password, user=User(username="li", role="district_staff"))
    validate_password("qwertz7uiopas", user=User(username="li", role="enterprise"))
    # a superuser is staff whatever its role field says
    with pytest.raises(ValidationError):
        validate_password("qwertz7uiopas", user=User(username="li", role="enterprise", is_superuser=True))
    # a password checked without a user (unknown role) gets the strict rules
    with pytest.raises(ValidationError):
        validate_password("qwertz7uiopas")
    assert character_classes("aA1!") == 4 and character_classes("中文密码abc") == 2


def test_createuser_refuses_a_simple_staff_password(db):
    with pytest.raises(ValidationError) as exc:
        user_create(username="wang", password="x1y2z3w4v5", role="district_admin")
    assert "至少3类" in _messages(exc)
    assert not User.objects.filter(username="wang").exists()


def test_demo_passwords_pass_the_staff_rules():
    for _ in range(200):
        password = demo_password()
        validate_password(password, user=User(username="keji", role="district_admin"))


def test_setting_a_password_records_when(make_user):
    user = make_user("district_staff")
    assert user.password_changed_at is not None
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    user.password_changed_at = timezone.now() - timedelta(days=400)
    user.save()
    user.set_password(NEW)
    user.save()
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)


def test_the_admin_refuses_a_simple_staff_password(make_user, client_as):
    admin = client_as(make_user("district_admin"))
    url = reverse("admin:accounts_user_add")
    data = {
        "username": "zhao",
        "password1": "qwertz7uiopas",
        "password2": "qwertz7uiopas",
        "usable_password": "true",
        "role": "district_staff",
        "town": "",
        "park": "",
        "department": "",
    }
    page = admin.post(url, data).content.decode()
    assert "至少3类（现只有2类）" in page
    assert not User.objects.filter(username="zhao").exists()
    data["role"] = "enterprise"  # the enterprise must still be given; the password is not the issue
    assert "现只有2类" not in admin.post(url, data).content.decode()
    # the admin's own password form for an existing user
    staff = make_user("district_staff")
    page = admin.post(
        reverse("admin:auth_user_password_change", args=[staff.pk]),
        {"password1": "qwertz7uiopas", "password2": "qwertz7uiopas", "usable_password": "true"},
    ).content.decode()
    assert "至少3类（现只有2类）" in page


def _login(user: User, password: str = GOOD) -> Client:
    """Logged in through the login page (django-axes wants the request)."""
    client = Client()
    response = client.post(reverse("web:login"), {"username": user.username, "password": password})
    assert response.status_code == 302
    return client


def _age(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))
    user.refresh_from_db()


def test_change_password_page(make_user):
    user = make_user("district_staff")
    client = _login(user)
    url = reverse("web:password_change")
    page = client.get(url).content.decode()
    assert "修改密码" in page and "至少需要10个字符" in page
    refused = client.post(
        url, {"old_password": GOOD, "new_password1": "qwertz7uiopas", "new_password2": "qwertz7uiopas"}
    )
    assert refused.status_code == 200 and "至少3类（现只有2类）" in refused.content.decode()
    done = client.post(url, {"old_password": GOOD, "new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200  # still logged in
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_an_expired_staff_password_must_be_changed_before_anything_else(make_user, settings):
    settings.LINGJUN_PASSWORD_MAX_AGE_DAYS = 90
    user = make_user("district_staff")
    _age(user, 89)
    client = _login(user)
    assert client.get(reverse("enterprises:enterprise_list")).status_code == 200
    _age(user, 91)
    assert password_expired(user=user, now=timezone.now())
    target = reverse("web:password_change")
    for url in (reverse("web:home"), reverse("enterprises:enterprise_list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == target, url
    assert client.post(reverse("enterprises:transfer")).status_code == 302
    htmx = client.get(reverse("enterprises:enterprise_list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == target
    page = client.get(target)
    assert page.status_code == 200 and "已超过规定的使用期限" in page.content.decode()
    # a new password frees the user
    client.post(target, {"old_password": GOOD, "new_password1": NEW, "new_password2": NEW})
    assert client.get(reverse("enterprises:enterprise_list")).status_code == 200
    # logging out stays possible while expired
    _age(user, 91)
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("web:login"))


def test_expiry_spares_enterprise_users_and_can_be_turned_off(make_user, pool, settings):
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    _age(firm, 1000)
    assert _login(firm).get(reverse("web:home")).status_code == 200
    staff = make_user("district_staff")
    _age(staff, 1000)
    settings.LINGJUN_PASSWORD_MAX_AGE_DAYS = 0
    assert _login(staff).get(reverse("web:home")).status_code == 200
    settings.LINGJUN_PASSWORD_MAX_AGE_DAYS = 90
    assert _login(staff).get(reverse("web:home")).status_code == 302
