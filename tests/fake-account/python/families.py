"""The account API families beyond identity, driven through the official Databricks SDK for
Python: provisioning (with the SDK's own workspace waiters), networking, settings with etags,
rule sets, federation policies, published apps, budget policies, usage dashboards, Unity Catalog
storage credentials, and the IP access list and SCIM updates. `check(condition, message)` is the
caller's: it stops the run on the first failure.

The fake account is started with `fail_next_workspace`, so the first workspace this makes fails:
the SDK's waiter must raise with the fake's message.
"""

from databricks.sdk.errors import InvalidState, NotFound, OperationFailed, ResourceConflict
from databricks.sdk.service import billing, catalog, compute, iam, oauth2, provisioning, settings

FAILURE = "The cross-account role cannot be assumed."


def refused(check, error, call, message):
    """Checks that `call()` raises `error`; answers the error."""
    try:
        call()
    except error as raised:
        check(True, message)
        return raised
    check(False, message)


def check_provisioning(a, check):
    p = provisioning
    role = p.CreateCredentialAwsCredentials(sts_role=p.CreateCredentialStsRole(role_arn="arn:aws:iam::123456789012:role/sdk-ws"))
    credential = a.credentials.create(credentials_name="sdk-workspace-role", aws_credentials=role)
    storage = a.storage.create(storage_configuration_name="sdk-bucket", root_bucket_info=p.RootBucketInfo(bucket_name="sdk-root"))
    check(storage.storage_configuration_id and storage.root_bucket_info.bucket_name == "sdk-root", "create a storage configuration")
    key_info = p.CreateAwsKeyInfo(key_arn="arn:aws:kms:us-west-2:123456789012:key/sdk")
    key = a.encryption_keys.create(use_cases=[p.KeyUseCase.MANAGED_SERVICES], aws_key_info=key_info)
    check(key.aws_key_info.key_region == "us-west-2", "create a customer-managed key (its region read from the ARN)")
    endpoint = a.vpc_endpoints.create(vpc_endpoint_name="sdk-endpoint", aws_vpc_endpoint_id="vpce-0123456789abcdef0", region="us-west-2")
    check(a.vpc_endpoints.get(endpoint.vpc_endpoint_id).state == "available", "create and get a VPC endpoint")
    access = a.private_access.create(
        private_access_settings_name="sdk-pas", region="us-west-2",
        private_access_level=p.PrivateAccessLevel.ENDPOINT, allowed_vpc_endpoint_ids=[endpoint.vpc_endpoint_id],
    )
    whole = p.PrivateAccessSettings(private_access_settings_name="sdk-pas-2", region="us-west-2", public_access_enabled=True)
    replaced = a.private_access.replace(access.private_access_settings_id, customer_facing_private_access_settings=whole)
    check(
        (replaced.private_access_settings_name, replaced.private_access_level, replaced.allowed_vpc_endpoint_ids)
        == ("sdk-pas-2", p.PrivateAccessLevel.ACCOUNT, None),
        "replace private access settings whole (PUT)",
    )
    check(access.private_access_settings_id in {s.private_access_settings_id for s in a.private_access.list()}, "list private access settings")
    ncc = a.network_connectivity.create_network_connectivity_configuration(
        network_connectivity_config=settings.CreateNetworkConnectivityConfiguration(name="sdk-ncc", region="us-west-2")
    )
    names = [c.name for c in a.network_connectivity.list_network_connectivity_configurations()]
    check("sdk-ncc" in names, "list network connectivity configurations (SDK paging over `items`)")

    uses = dict(credentials_id=credential.credentials_id, storage_configuration_id=storage.storage_configuration_id)
    doom = lambda: a.workspaces.create_and_wait(workspace_name="sdk-doomed", aws_region="us-west-2", **uses)  # noqa: E731
    failure = refused(check, OperationFailed, doom, "the SDK's waiter raises for a FAILED workspace")
    check(FAILURE in str(failure), "the waiter's error has the workspace's status message")
    doomed = [w for w in a.workspaces.list() if w.workspace_name == "sdk-doomed"]
    check([w.workspace_status for w in doomed] == [p.WorkspaceStatus.FAILED], "the failed workspace is listed FAILED")

    workspace = a.workspaces.create_and_wait(
        workspace_name="sdk-workspace", aws_region="us-west-2", managed_services_customer_managed_key_id=key.customer_managed_key_id,
        private_access_settings_id=access.private_access_settings_id,
        network_connectivity_config_id=ncc.network_connectivity_config_id, custom_tags={"team": "sdk"}, **uses,
    )
    check(workspace.workspace_status == p.WorkspaceStatus.RUNNING and workspace.custom_tags == {"team": "sdk"}, "create_and_wait: the workspace is RUNNING")
    renamed = a.workspaces.update_and_wait(
        workspace.workspace_id, customer_facing_workspace=p.Workspace(workspace_name="sdk-renamed", aws_region="eu-west-1"), update_mask="workspace_name"
    )
    check((renamed.workspace_name, renamed.aws_region, renamed.workspace_status) == ("sdk-renamed", "us-west-2", p.WorkspaceStatus.RUNNING),
          "update_and_wait changes only the masked field and waits for RUNNING again")
    refused(check, InvalidState, lambda: a.storage.delete(storage.storage_configuration_id), "a storage configuration a workspace uses cannot be deleted")
    check_networking(a, check, workspace.workspace_id, ncc.network_connectivity_config_id)

    dashboard = a.usage_dashboards.create(dashboard_type=billing.UsageDashboardType.USAGE_DASHBOARD_TYPE_WORKSPACE, workspace_id=workspace.workspace_id)
    got = a.usage_dashboards.get(dashboard_type=billing.UsageDashboardType.USAGE_DASHBOARD_TYPE_WORKSPACE, workspace_id=workspace.workspace_id)
    check(got.dashboard_id == dashboard.dashboard_id and got.dashboard_url.endswith("/published"), "create and get a usage dashboard")

    deleted = a.workspaces.delete(workspace.workspace_id)
    check(deleted.workspace_name == "sdk-renamed", "delete a workspace (the SDK decodes the deleted workspace)")
    a.workspaces.delete(doomed[0].workspace_id)
    check(a.storage.delete(storage.storage_configuration_id).storage_configuration_name == "sdk-bucket", "delete a storage configuration no longer used")
    a.credentials.delete(credential.credentials_id)
    a.encryption_keys.delete(key.customer_managed_key_id)
    a.private_access.delete(access.private_access_settings_id)
    a.vpc_endpoints.delete(endpoint.vpc_endpoint_id)
    a.network_connectivity.delete_network_connectivity_configuration(ncc.network_connectivity_config_id)
    refused(check, NotFound, lambda: a.vpc_endpoints.get(endpoint.vpc_endpoint_id), "deleted configurations are gone (NotFound)")


def check_networking(a, check, workspace_id, ncc_id):
    s = settings
    nc = a.network_connectivity
    rule = nc.create_private_endpoint_rule(ncc_id, s.CreatePrivateEndpointRule(endpoint_service="com.amazonaws.us-west-2.s3", resource_names=["sdk-landing"]))
    check(rule.connection_state == s.NccPrivateEndpointRulePrivateLinkConnectionState.PENDING, "a new private endpoint rule is PENDING")
    nc.get_private_endpoint_rule(ncc_id, rule.rule_id)
    approved = nc.get_private_endpoint_rule(ncc_id, rule.rule_id)
    check(approved.connection_state == s.NccPrivateEndpointRulePrivateLinkConnectionState.ESTABLISHED, "the rule is ESTABLISHED once approved")
    updated = nc.update_private_endpoint_rule(ncc_id, rule.rule_id, s.UpdatePrivateEndpointRule(resource_names=["sdk-landing", "sdk-archive"]), "resource_names")
    check(updated.resource_names == ["sdk-landing", "sdk-archive"], "update a rule's masked field")
    check([r.rule_id for r in nc.list_private_endpoint_rules(ncc_id)] == [rule.rule_id], "list private endpoint rules")
    check(nc.delete_private_endpoint_rule(ncc_id, rule.rule_id).deactivated is True, "deleting an established rule deactivates it")

    policies = a.network_policies
    check("default-policy" in {p.network_policy_id for p in policies.list_network_policies_rpc()}, "every account has default-policy")
    restricted = s.NetworkPolicyEgress(
        network_access=s.EgressNetworkPolicyNetworkAccessPolicy(restriction_mode=s.EgressNetworkPolicyNetworkAccessPolicyRestrictionMode.RESTRICTED_ACCESS)
    )
    made = policies.create_network_policy_rpc(s.AccountNetworkPolicy(network_policy_id="sdk-egress", egress=restricted))
    check(made.network_policy_id == "sdk-egress" and made.account_id == a.config.account_id, "create a network policy")
    open_egress = s.NetworkPolicyEgress(
        network_access=s.EgressNetworkPolicyNetworkAccessPolicy(restriction_mode=s.EgressNetworkPolicyNetworkAccessPolicyRestrictionMode.FULL_ACCESS)
    )
    replaced = policies.update_network_policy_rpc("sdk-egress", s.AccountNetworkPolicy(egress=open_egress))
    check(replaced.egress.network_access.restriction_mode == s.EgressNetworkPolicyNetworkAccessPolicyRestrictionMode.FULL_ACCESS, "replace a network policy (PUT)")
    options = a.workspace_network_configuration
    check(options.get_workspace_network_option_rpc(workspace_id).network_policy_id == "default-policy", "a workspace starts on default-policy")
    options.update_workspace_network_option_rpc(workspace_id, s.WorkspaceNetworkOption(network_policy_id="sdk-egress", workspace_id=workspace_id))
    check(options.get_workspace_network_option_rpc(workspace_id).network_policy_id == "sdk-egress", "bind a workspace to a network policy")
    refused(check, InvalidState, lambda: policies.delete_network_policy_rpc("sdk-egress"), "a policy a workspace is bound to cannot be deleted")
    options.update_workspace_network_option_rpc(workspace_id, s.WorkspaceNetworkOption(network_policy_id="default-policy", workspace_id=workspace_id))
    policies.delete_network_policy_rpc("sdk-egress")


def check_settings(a, check):
    s = settings
    personal = a.settings.personal_compute
    before = personal.get()
    check(before.personal_compute.value == s.PersonalComputeMessageEnum.ON and before.etag, "Personal Compute defaults to ON, with an etag")

    def delegate(etag):
        setting = s.PersonalComputeSetting(personal_compute=s.PersonalComputeMessage(value=s.PersonalComputeMessageEnum.DELEGATE), etag=etag)
        return personal.update(allow_missing=True, setting=setting, field_mask="personal_compute.value")

    updated = delegate(before.etag)
    check(updated.personal_compute.value == s.PersonalComputeMessageEnum.DELEGATE and updated.etag != before.etag, "update a setting; its etag changes")
    conflict = refused(check, ResourceConflict, lambda: delegate(before.etag), "a stale etag is refused (409)")
    fresh = conflict.get_error_info()[0].metadata["etag"]
    check(fresh == updated.etag, "the 409 carries the fresh etag")
    check(delegate(fresh).personal_compute.value == s.PersonalComputeMessageEnum.DELEGATE, "the retry with the fresh etag succeeds")
    reverted = personal.delete(etag=personal.get().etag)
    check(reverted.etag and personal.get().personal_compute.value == s.PersonalComputeMessageEnum.ON, "delete reverts the setting to its default")
    csp = a.settings.csp_enablement_account.get()
    check(csp.csp_enablement_account.is_enforced is False, "compliance security profile is off by default")
    toggle = a.settings.enable_ip_access_lists.get()
    check(toggle.acct_ip_acl_enable.value is True, "the account IP access list toggle defaults to on")
    partner = a.settings.llm_proxy_partner_powered_account.get()
    enforced = s.LlmProxyPartnerPoweredAccount(boolean_val=s.BooleanMessage(value=False), etag=partner.etag)
    off = a.settings.llm_proxy_partner_powered_account.update(allow_missing=True, setting=enforced, field_mask="boolean_val.value")
    check(off.boolean_val.value is False, "turn off partner-powered AI features")

    name = f"accounts/{a.config.account_id}/ruleSets/default"
    rule_set = a.access_control.get_rule_set(name=name, etag="")
    grant = [iam.GrantRule(role="roles/billing.admin", principals=["users/ada.lovelace@example.com"])]
    written = a.access_control.update_rule_set(name=name, rule_set=iam.RuleSetUpdateRequest(name=name, etag=rule_set.etag, grant_rules=grant))
    check([(r.role, r.principals) for r in written.grant_rules] == [("roles/billing.admin", ["users/ada.lovelace@example.com"])], "grant a role on the account rule set")
    stale = iam.RuleSetUpdateRequest(name=name, etag=rule_set.etag)
    refused(check, ResourceConflict, lambda: a.access_control.update_rule_set(name=name, rule_set=stale), "a rule set write with a stale etag is refused (409)")


def check_oauth(a, check):
    o = oauth2
    oidc = o.OidcFederationPolicy(issuer="https://token.actions.githubusercontent.com", audiences=[a.config.account_id])
    policy = a.federation_policy.create(policy=o.FederationPolicy(description="sdk", oidc_policy=oidc), policy_id="sdk-federation")
    check(policy.name.endswith("/federationPolicies/sdk-federation"), "create an account federation policy with a chosen ID")
    check("sdk-federation" in {p.policy_id for p in a.federation_policy.list(page_size=1)}, "list federation policies (SDK paging)")
    updated = a.federation_policy.update("sdk-federation", policy=o.FederationPolicy(description="changed"), update_mask="description")
    check(updated.description == "changed" and updated.oidc_policy.issuer == oidc.issuer, "update a federation policy's masked field")
    a.federation_policy.delete("sdk-federation")

    sp = a.service_principals.create(display_name="sdk-federated")
    subject = o.OidcFederationPolicy(issuer="https://token.actions.githubusercontent.com", subject="repo:example/etl:ref:refs/heads/main")
    sp_policy = a.service_principal_federation_policy.create(int(sp.id), policy=o.FederationPolicy(oidc_policy=subject))
    check(sp_policy.service_principal_id == int(sp.id) and sp_policy.policy_id, "create a service principal federation policy")
    check(a.service_principal_federation_policy.get(int(sp.id), sp_policy.policy_id).oidc_policy.subject == subject.subject, "get it back")
    a.service_principal_federation_policy.delete(int(sp.id), sp_policy.policy_id)
    a.service_principals.update(sp.id, display_name="sdk-federated-2", active=False)
    check(a.service_principals.get(sp.id).display_name == "sdk-federated-2", "replace a service principal (SCIM PUT)")
    a.service_principals.delete(sp.id)

    apps = {app.app_id for app in a.o_auth_published_apps.list(page_size=2)}
    check({"databricks-cli", "power-bi", "tableau-desktop"} <= apps, "list published OAuth apps (SDK paging)")
    made = a.published_app_integration.create(app_id="tableau-desktop", token_access_policy=o.TokenAccessPolicy(access_token_ttl_in_minutes=30))
    a.published_app_integration.update(made.integration_id, token_access_policy=o.TokenAccessPolicy(refresh_token_ttl_in_minutes=600))
    got = a.published_app_integration.get(made.integration_id)
    check((got.app_id, got.token_access_policy.access_token_ttl_in_minutes, got.token_access_policy.refresh_token_ttl_in_minutes) == ("tableau-desktop", 30, 600),
          "integrate a published app and update its token policy")
    check(made.integration_id in {i.integration_id for i in a.published_app_integration.list()}, "list published app integrations")
    a.published_app_integration.delete(made.integration_id)

    listed = a.ip_access_lists.create(label="sdk-updates", list_type=settings.ListType.ALLOW, ip_addresses=["10.1.0.0/16"]).ip_access_list
    a.ip_access_lists.update(listed.list_id, enabled=False)
    check(a.ip_access_lists.get(listed.list_id).ip_access_list.enabled is False, "update an IP access list (PATCH)")
    a.ip_access_lists.replace(listed.list_id, label="sdk-replaced", list_type=settings.ListType.BLOCK, enabled=True, ip_addresses=["192.0.2.1"])
    replaced = a.ip_access_lists.get(listed.list_id).ip_access_list
    check((replaced.label, replaced.list_type, replaced.ip_addresses) == ("sdk-replaced", settings.ListType.BLOCK, ["192.0.2.1"]), "replace an IP access list (PUT)")
    a.ip_access_lists.delete(listed.list_id)


def check_billing_and_catalog(a, check):
    b = billing
    tag = compute.CustomPolicyTag(key="team", value="sdk")
    first = a.budget_policy.create(policy=b.BudgetPolicy(policy_name="sdk-alpha", custom_tags=[tag]))
    second = a.budget_policy.create(policy=b.BudgetPolicy(policy_name="sdk-beta"))
    sort = b.SortSpec(field=b.SortSpecField.POLICY_NAME, descending=True)
    names = [p.policy_name for p in a.budget_policy.list(filter_by=b.Filter(policy_name="sdk-"), sort_spec=sort, page_size=1)]
    check(names == ["sdk-beta", "sdk-alpha"], "list budget policies filtered by name, sorted descending, page by page")
    renamed = a.budget_policy.update(second.policy_id, policy=b.BudgetPolicy(policy_name="sdk-gamma"))
    check(renamed.policy_name == "sdk-gamma" and a.budget_policy.get(second.policy_id).policy_name == "sdk-gamma", "update a budget policy (PATCH)")
    refused(check, ResourceConflict, lambda: a.budget_policy.create(policy=b.BudgetPolicy(policy_name="sdk-alpha")), "budget policy names are unique")
    for policy in (first, second):
        a.budget_policy.delete(policy.policy_id)

    c = catalog
    metastore = a.metastores.create(metastore_info=c.CreateAccountsMetastore(name="sdk-credentials", region="us-west-2")).metastore_info
    role = c.AwsIamRoleRequest(role_arn="arn:aws:iam::123456789012:role/sdk-uc")
    info = a.storage_credentials.create(metastore.metastore_id, credential_info=c.CreateAccountsStorageCredential(name="sdk-credential", aws_iam_role=role)).credential_info
    check(info.aws_iam_role.external_id == a.config.account_id and info.metastore_id == metastore.metastore_id, "create a storage credential")
    check([x.name for x in a.storage_credentials.list(metastore.metastore_id)] == ["sdk-credential"], "list storage credentials")
    changed = a.storage_credentials.update(metastore.metastore_id, "sdk-credential", credential_info=c.UpdateAccountsStorageCredential(comment="sdk", read_only=True))
    check(changed.credential_info.comment == "sdk" and changed.credential_info.read_only is True, "update a storage credential (PUT)")
    check(a.storage_credentials.get(metastore.metastore_id, "sdk-credential").credential_info.read_only is True, "get a storage credential")
    a.storage_credentials.delete(metastore.metastore_id, "sdk-credential")
    check(list(a.storage_credentials.list(metastore.metastore_id)) == [], "delete a storage credential")
    a.metastores.delete(metastore.metastore_id, force=True)


def check_families(a, check):
    check_provisioning(a, check)
    check_settings(a, check)
    check_oauth(a, check)
    check_billing_and_catalog(a, check)
