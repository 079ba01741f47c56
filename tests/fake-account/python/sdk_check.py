"""Drive the fake account with the official Databricks SDK for Python (AccountClient,
OAuth M2M): if the SDK can sign in, create, list, patch, read and delete users and
groups, and work every other account family (`families.py`), the fake speaks Databricks and
not only our own connector's dialect.

Environment: DATABRICKS_HOST, DATABRICKS_ACCOUNT_ID, DATABRICKS_CLIENT_ID,
DATABRICKS_CLIENT_SECRET. Exits non-zero with a message on the first failed check.
"""

import os
import sys
import time

from databricks.sdk import AccountClient
from databricks.sdk.errors import NotFound, ResourceConflict
from databricks.sdk.service import iam

PATCH = [iam.PatchSchema.URN_IETF_PARAMS_SCIM_API_MESSAGES_2_0_PATCH_OP]


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {message}")


def main():
    a = AccountClient(
        host=os.environ["DATABRICKS_HOST"],
        account_id=os.environ["DATABRICKS_ACCOUNT_ID"],
        client_id=os.environ["DATABRICKS_CLIENT_ID"],
        client_secret=os.environ["DATABRICKS_CLIENT_SECRET"],
        auth_type="oauth-m2m",
    )

    user = a.users.create(user_name="sdk.check@example.com", display_name="SDK Check")
    check(user.id and user.user_name == "sdk.check@example.com", "create a user")

    try:
        a.users.create(user_name="sdk.check@example.com")
        check(False, "a duplicate user is refused")
    except ResourceConflict:
        check(True, "a duplicate user is refused with ResourceConflict")

    found = list(a.users.list(filter='userName eq "sdk.check@example.com"'))
    check([u.id for u in found] == [user.id], "list users with a filter finds exactly the user")

    everyone = list(a.users.list())
    check(user.id in {u.id for u in everyone}, "list every user (SDK paging) includes the user")

    # The SDK's Patch.as_dict drops a falsy value (`if self.value:`), so `value=False` would
    # go out without a value; the Terraform provider's shape is what works.
    deactivate = iam.Patch(op=iam.PatchOp.REPLACE, path="active", value=[{"value": "false"}])
    a.users.patch(user.id, operations=[deactivate], schemas=PATCH)
    check(a.users.get(user.id).active is False, "patch the user inactive and read it back")

    group = a.groups.create(display_name="sdk-check-group")
    check(group.id and group.display_name == "sdk-check-group", "create a group")

    a.groups.patch(
        group.id,
        operations=[iam.Patch(op=iam.PatchOp.ADD, path="members", value=[{"value": user.id}])],
        schemas=PATCH,
    )
    members = a.groups.get(group.id).members or []
    check([m.value for m in members] == [user.id], "add the user to the group with a PATCH; get shows the member")

    listed = [g for g in a.groups.list(filter='displayName eq "sdk-check-group"')]
    check([g.id for g in listed] == [group.id], "list groups with a filter")

    a.groups.patch(
        group.id,
        operations=[iam.Patch(op=iam.PatchOp.REMOVE, path=f'members[value eq "{user.id}"]')],
        schemas=PATCH,
    )
    check(not (a.groups.get(group.id).members or []), "remove the member with a value-filter PATCH")

    # IP access lists (settings family).
    from databricks.sdk.service import settings

    created = a.ip_access_lists.create(label="sdk-office", list_type=settings.ListType.ALLOW, ip_addresses=["10.0.0.0/16"])
    list_id = created.ip_access_list.list_id
    check(created.ip_access_list.address_count == 1, "create an IP access list")
    check(list_id in {l.list_id for l in a.ip_access_lists.list()}, "list IP access lists")
    check(a.ip_access_lists.get(list_id).ip_access_list.label == "sdk-office", "get an IP access list")
    a.ip_access_lists.delete(list_id)
    try:
        a.ip_access_lists.get(list_id)
        check(False, "a deleted IP access list is gone")
    except NotFound:
        check(True, "a deleted IP access list is gone (NotFound)")

    # Account access control (preview): the roles assignable on the account and on a group.
    roles = a.access_control.get_assignable_roles_for_resource(resource=f"accounts/{a.config.account_id}")
    check([r.name for r in roles.roles] == ["roles/marketplace.admin", "roles/billing.admin"], "assignable roles of the account")
    roles_group = a.groups.create(display_name="sdk-roles")
    roles = a.access_control.get_assignable_roles_for_resource(resource=f"accounts/{a.config.account_id}/groups/{roles_group.id}")
    check([r.name for r in roles.roles] == ["roles/group.manager"], "assignable roles of a group")
    a.groups.delete(roles_group.id)

    # Service principal secrets (oauth2 family): the SDK's own paging follows next_page_token.
    sp = a.service_principals.create(display_name="sdk-secrets")
    secret = a.service_principal_secrets.create(service_principal_id=sp.id, lifetime="86400s")
    check(secret.secret and secret.id and secret.expire_time, "create a service principal secret (returned once)")
    check([s.id for s in a.service_principal_secrets.list(service_principal_id=sp.id)] == [secret.id], "list secrets")
    a.service_principal_secrets.delete(service_principal_id=sp.id, secret_id=secret.id)
    check(list(a.service_principal_secrets.list(service_principal_id=sp.id)) == [], "delete the secret")
    a.service_principals.delete(sp.id)

    # Provisioning: credential configurations (bare JSON arrays on the wire).
    from databricks.sdk.service import provisioning

    role = provisioning.CreateCredentialAwsCredentials(sts_role=provisioning.CreateCredentialStsRole(role_arn="arn:aws:iam::123456789012:role/sdk"))
    credential = a.credentials.create(credentials_name="sdk-credential", aws_credentials=role)
    check(credential.credentials_id and credential.aws_credentials.sts_role.role_arn.endswith("/sdk"), "create a credential configuration")
    check(credential.credentials_id in {c.credentials_id for c in a.credentials.list()}, "list credential configurations")
    check(a.credentials.get(credential.credentials_id).credentials_name == "sdk-credential", "get a credential configuration")
    a.credentials.delete(credential.credentials_id)
    check(credential.credentials_id not in {c.credentials_id for c in a.credentials.list()}, "delete a credential configuration")
    workspaces = {w.workspace_name: w.workspace_id for w in a.workspaces.list()}
    check(set(workspaces) == {"analytics-prod", "sandbox"}, "list workspaces (the demo account's two)")

    # Workspace permission assignments (iam family): the levels a workspace offers.
    levels = a.workspace_assignment.get(workspace_id=workspaces["analytics-prod"]).permissions
    check([p.permission_level for p in levels] == [iam.WorkspacePermission.USER, iam.WorkspacePermission.ADMIN], "get a workspace's permission levels")
    check(all(p.description for p in levels), "each permission level is described")

    # Unity Catalog metastores (catalog family).
    from databricks.sdk.service import catalog

    info = a.metastores.create(metastore_info=catalog.CreateAccountsMetastore(name="sdk-metastore", region="us-west-2")).metastore_info
    check(info.metastore_id and info.name == "sdk-metastore", "create a metastore")
    check(info.metastore_id in {m.metastore_id for m in a.metastores.list()}, "list metastores")
    updated = a.metastores.update(info.metastore_id, metastore_info=catalog.UpdateAccountsMetastore(owner="sdk-owner")).metastore_info
    check(updated.owner == "sdk-owner" and updated.name == "sdk-metastore", "update a metastore (PUT)")

    # Its assignment to a workspace: assign, change the default catalog (PUT), read it back.
    workspace_id = workspaces["analytics-prod"]
    first = catalog.CreateMetastoreAssignment(workspace_id=workspace_id, metastore_id=info.metastore_id, default_catalog_name="main")
    a.metastore_assignments.create(workspace_id=workspace_id, metastore_id=info.metastore_id, metastore_assignment=first)
    change = catalog.UpdateMetastoreAssignment(workspace_id=workspace_id, default_catalog_name="sdk_catalog")
    a.metastore_assignments.update(workspace_id=workspace_id, metastore_id=info.metastore_id, metastore_assignment=change)
    assignment = a.metastore_assignments.get(workspace_id).metastore_assignment
    check(
        (assignment.workspace_id, assignment.metastore_id, assignment.default_catalog_name) == (workspace_id, info.metastore_id, "sdk_catalog"),
        "update a metastore assignment's default catalog (PUT) and read it back",
    )
    try:
        a.metastore_assignments.update(workspace_id=workspaces["sandbox"], metastore_id=info.metastore_id, metastore_assignment=change)
        check(False, "an assignment the workspace does not have cannot be updated")
    except NotFound:
        check(True, "an assignment the workspace does not have cannot be updated (NotFound)")
    a.metastore_assignments.delete(workspace_id=workspace_id, metastore_id=info.metastore_id)
    a.metastores.delete(info.metastore_id, force=True)
    try:
        a.metastores.get(info.metastore_id)
        check(False, "a deleted metastore is gone")
    except NotFound:
        check(True, "a deleted metastore is gone (NotFound)")

    # Custom OAuth app integrations (oauth2 family).
    from databricks.sdk.service import oauth2

    app = a.custom_app_integration.create(name="sdk-app", redirect_urls=["https://example.com/cb"], confidential=True, scopes=["all-apis"])
    check(app.integration_id and app.client_secret, "create a confidential custom app (secret returned once)")
    a.custom_app_integration.update(app.integration_id, redirect_urls=["https://example.com/other"])
    check(a.custom_app_integration.get(app.integration_id).redirect_urls == ["https://example.com/other"], "update (PATCH) and get a custom app")
    check(app.integration_id in {x.integration_id for x in a.custom_app_integration.list()}, "list custom apps (SDK paging)")
    a.custom_app_integration.delete(app.integration_id)

    # Budgets (billing family, API 2.1).
    from databricks.sdk.service import billing

    alert = billing.CreateBudgetConfigurationBudgetAlertConfigurations(
        time_period=billing.AlertConfigurationTimePeriod.MONTH,
        trigger_type=billing.AlertConfigurationTriggerType.CUMULATIVE_SPENDING_EXCEEDED,
        quantity_type=billing.AlertConfigurationQuantityType.LIST_PRICE_DOLLARS_USD,
        quantity_threshold="100",
        action_configurations=[billing.CreateBudgetConfigurationBudgetActionConfigurations(
            action_type=billing.ActionConfigurationType.EMAIL_NOTIFICATION, target="sdk@example.com")],
    )
    budget = a.budgets.create(budget=billing.CreateBudgetConfigurationBudget(display_name="sdk-budget", alert_configurations=[alert])).budget
    check(budget.budget_configuration_id and budget.alert_configurations[0].alert_configuration_id, "create a budget")
    check(budget.budget_configuration_id in {b.budget_configuration_id for b in a.budgets.list()}, "list budgets (SDK paging)")
    check(a.budgets.get(budget.budget_configuration_id).budget.display_name == "sdk-budget", "get a budget")
    a.budgets.delete(budget.budget_configuration_id)

    # Billable usage download (CSV as text) and log delivery (both billing family).
    csv_text = a.billable_usage.download(start_month="2026-01", end_month="2026-01").contents.read().decode()
    check(csv_text.startswith("workspaceId,"), "download billable usage as CSV")
    check(list(a.log_delivery.list()) == [], "list log delivery configurations (none in the demo account)")

    started = time.monotonic()
    from families import check_families

    check_families(a, check)
    print(f"the other account families took {time.monotonic() - started:.1f} s")

    a.groups.delete(group.id)
    a.users.delete(user.id)
    try:
        a.users.get(user.id)
        check(False, "a deleted user is gone")
    except NotFound:
        check(True, "a deleted user is gone (NotFound)")
    print("the official Databricks SDK agrees with the fake account")


if __name__ == "__main__":
    main()
