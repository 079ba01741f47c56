//! The Databricks account connector component: the WIT exports and their glue.
//! Every card is a short function in `cards/`; all HTTP goes through `client/`.

mod bindings;
mod card_list;
mod cards;
mod client;
mod time;
mod validate;
mod wit;

use bindings::exports::databricks::account::access as access_wit;
use bindings::exports::databricks::account::billing as billing_wit;
use bindings::exports::databricks::account::catalog as catalog_wit;
use bindings::exports::databricks::account::identity as identity_wit;
use bindings::exports::databricks::account::login as login_wit;
use bindings::exports::databricks::account::oauth as oauth_wit;
use bindings::exports::databricks::account::provisioning as provisioning_wit;
use bindings::exports::databricks::account::types::{CardError, Connection};
use bindings::exports::databricks::account::unified as unified_wit;
use bindings::exports::databricks::account::utility as utility_wit;

/// The component's export implementation.
struct Connector;

/// Runs a card: opens a session for the connection (validating it first) and
/// hands the session and the typed input to the card's function.
fn run<I, O>(conn: Connection, input: I, card: fn(&client::Session, I) -> Result<O, CardError>) -> Result<O, CardError> {
    let session = client::Session::open(conn)?;
    card(&session, input)
}

/// Expands one line per card into the generated `Guest` trait's method, so the
/// glue for a card is its name, its types and the function that implements it.
macro_rules! export_cards {
    ($guest:path { $($name:ident($input:ty) -> $output:ty = $card:path;)* }) => {
        impl $guest for Connector {
            $(fn $name(conn: Connection, input: $input) -> Result<$output, CardError> {
                run(conn, input, $card)
            })*
        }
    };
}

use cards::identity as id;
use identity_wit::*;

export_cards!(identity_wit::Guest {
    list_users(ListUsersInput) -> UserList = id::list_users;
    get_user(GetUserInput) -> User = id::get_user;
    create_user(CreateUserInput) -> User = id::create_user;
    update_user(UpdateUserInput) -> User = id::update_user;
    delete_user(DeleteUserInput) -> Deleted = id::delete_user;
    list_groups(ListGroupsInput) -> GroupList = id::list_groups;
    get_group(GetGroupInput) -> Group = id::get_group;
    create_group(CreateGroupInput) -> Group = id::create_group;
    update_group(UpdateGroupInput) -> Group = id::update_group;
    delete_group(DeleteGroupInput) -> Deleted = id::delete_group;
    add_group_member(GroupMemberInput) -> GroupMembership = id::add_group_member;
    remove_group_member(GroupMemberInput) -> GroupMembership = id::remove_group_member;
    list_service_principals(ListServicePrincipalsInput) -> ServicePrincipalList = id::list_service_principals;
    get_service_principal(GetServicePrincipalInput) -> ServicePrincipal = id::get_service_principal;
    create_service_principal(CreateServicePrincipalInput) -> ServicePrincipal = id::create_service_principal;
    update_service_principal(UpdateServicePrincipalInput) -> ServicePrincipal = id::update_service_principal;
    delete_service_principal(DeleteServicePrincipalInput) -> Deleted = id::delete_service_principal;
    search_users(SearchUsersInput) -> UserSearchResult = cards::search::search_users;
    search_groups(SearchGroupsInput) -> GroupSearchResult = cards::search::search_groups;
    read_user_by_email(ReadUserByEmailInput) -> User = cards::search::read_user_by_email;
    activate_user(UserIdInput) -> User = cards::lifecycle::activate_user;
    deactivate_user(UserIdInput) -> User = cards::lifecycle::deactivate_user;
    make_account_admin(PrincipalInput) -> AccountAdminStatus = cards::lifecycle::make_account_admin;
    revoke_account_admin(PrincipalInput) -> AccountAdminStatus = cards::lifecycle::revoke_account_admin;
});

use cards::access;

export_cards!(access_wit::Guest {
    list_ip_access_lists(access_wit::ListIpAccessListsInput) -> access_wit::IpAccessLists = access::list_ip_access_lists;
    get_ip_access_list(access_wit::IpAccessListId) -> access_wit::IpAccessList = access::get_ip_access_list;
    create_ip_access_list(access_wit::CreateIpAccessListInput) -> access_wit::IpAccessList = access::create_ip_access_list;
    delete_ip_access_list(access_wit::IpAccessListId) -> access_wit::Deleted = access::delete_ip_access_list;
    list_workspace_permission_assignments(access_wit::ListWorkspacePermissionAssignmentsInput) -> access_wit::PermissionAssignments = access::list_workspace_permission_assignments;
    create_or_update_workspace_permission_assignment(access_wit::WorkspacePermissionInput) -> access_wit::PermissionAssignment = access::create_or_update_workspace_permission_assignment;
    delete_workspace_permission_assignment(access_wit::WorkspacePrincipalInput) -> access_wit::Deleted = access::delete_workspace_permission_assignment;
});

use cards::oauth;

export_cards!(oauth_wit::Guest {
    list_service_principal_secrets(oauth_wit::ListServicePrincipalSecretsInput) -> oauth_wit::ServicePrincipalSecrets = oauth::list_service_principal_secrets;
    create_service_principal_secret(oauth_wit::CreateServicePrincipalSecretInput) -> oauth_wit::CreatedServicePrincipalSecret = oauth::create_service_principal_secret;
    delete_service_principal_secret(oauth_wit::DeleteServicePrincipalSecretInput) -> oauth_wit::Deleted = oauth::delete_service_principal_secret;
    rotate_service_principal_secret(oauth_wit::RotateServicePrincipalSecretInput) -> oauth_wit::RotatedServicePrincipalSecret = cards::rotation::rotate_service_principal_secret;
    list_custom_app_integrations(oauth_wit::ListCustomAppIntegrationsInput) -> oauth_wit::CustomAppIntegrations = oauth::list_custom_app_integrations;
    get_custom_app_integration(oauth_wit::CustomAppIntegrationId) -> oauth_wit::CustomAppIntegration = oauth::get_custom_app_integration;
    create_custom_app_integration(oauth_wit::CreateCustomAppIntegrationInput) -> oauth_wit::CreatedCustomAppIntegration = oauth::create_custom_app_integration;
    update_custom_app_integration(oauth_wit::UpdateCustomAppIntegrationInput) -> oauth_wit::CustomAppIntegration = oauth::update_custom_app_integration;
    delete_custom_app_integration(oauth_wit::CustomAppIntegrationId) -> oauth_wit::Deleted = oauth::delete_custom_app_integration;
});

use cards::provisioning;
use provisioning_wit as pw;

export_cards!(provisioning_wit::Guest {
    list_workspaces(pw::ListWorkspacesInput) -> pw::Workspaces = provisioning::list_workspaces;
    get_workspace(pw::GetWorkspaceInput) -> pw::Workspace = provisioning::get_workspace;
    list_credentials(pw::ListCredentialsInput) -> pw::Credentials = provisioning::list_credentials;
    create_credential(pw::CreateCredentialInput) -> pw::Credential = provisioning::create_credential;
    get_credential(pw::CredentialId) -> pw::Credential = provisioning::get_credential;
    delete_credential(pw::CredentialId) -> pw::Deleted = provisioning::delete_credential;
    list_storage_configurations(pw::ListStorageConfigurationsInput) -> pw::StorageConfigurations = provisioning::list_storage_configurations;
    get_storage_configuration(pw::StorageConfigurationId) -> pw::StorageConfiguration = provisioning::get_storage_configuration;
    create_network(pw::CreateNetworkInput) -> pw::Network = provisioning::create_network;
    list_networks(pw::ListNetworksInput) -> pw::Networks = provisioning::list_networks;
    get_network(pw::NetworkId) -> pw::Network = provisioning::get_network;
    delete_network(pw::NetworkId) -> pw::Deleted = provisioning::delete_network;
});

use cards::catalog;
use catalog_wit as cw;

export_cards!(catalog_wit::Guest {
    list_metastores(cw::ListMetastoresInput) -> cw::Metastores = catalog::list_metastores;
    get_metastore(cw::MetastoreId) -> cw::Metastore = catalog::get_metastore;
    create_metastore(cw::CreateMetastoreInput) -> cw::Metastore = catalog::create_metastore;
    update_metastore(cw::UpdateMetastoreInput) -> cw::Metastore = catalog::update_metastore;
    delete_metastore(cw::DeleteMetastoreInput) -> cw::Deleted = catalog::delete_metastore;
    list_metastore_workspace_assignments(cw::MetastoreId) -> cw::WorkspaceIds = catalog::list_metastore_workspace_assignments;
    get_workspace_metastore(cw::WorkspaceId) -> cw::MetastoreAssignment = catalog::get_workspace_metastore;
    assign_metastore_to_workspace(cw::WorkspaceMetastore) -> cw::MetastoreAssignment = catalog::assign_metastore_to_workspace;
    delete_metastore_from_workspace(cw::WorkspaceMetastore) -> cw::MetastoreAssignment = catalog::delete_metastore_from_workspace;
});

use billing_wit as bw;
use cards::billing;

export_cards!(billing_wit::Guest {
    list_budgets(bw::ListBudgetsInput) -> bw::Budgets = billing::list_budgets;
    create_budget(bw::CreateBudgetInput) -> bw::Budget = billing::create_budget;
    get_budget(bw::BudgetId) -> bw::Budget = billing::get_budget;
    update_budget(bw::UpdateBudgetInput) -> bw::Budget = billing::update_budget;
    delete_budget(bw::BudgetId) -> bw::Deleted = billing::delete_budget;
    list_log_delivery_configs(bw::ListLogDeliveryConfigsInput) -> bw::LogDeliveryConfigs = billing::list_log_delivery_configs;
    get_log_delivery_config(bw::LogDeliveryConfigId) -> bw::LogDeliveryConfig = billing::get_log_delivery_config;
    create_log_delivery_config(bw::CreateLogDeliveryConfigInput) -> bw::LogDeliveryConfig = billing::create_log_delivery_config;
    update_log_delivery_config(bw::UpdateLogDeliveryConfigInput) -> bw::LogDeliveryConfig = billing::update_log_delivery_config;
    download_billable_usage(bw::DownloadBillableUsageInput) -> bw::BillableUsage = billing::download_billable_usage;
});

/// The card list: metadata generated from `wit/` by `build.rs`. Not a card (no connection).
impl bindings::exports::databricks::account::cards::Guest for Connector {
    fn list_cards() -> Vec<bindings::exports::databricks::account::cards::CardInfo> {
        card_list::list_cards()
    }

    fn type_docs() -> Vec<bindings::exports::databricks::account::cards::TypeDoc> {
        card_list::type_docs()
    }
}

export_cards!(utility_wit::Guest {
    check_connection(utility_wit::CheckConnectionInput) -> utility_wit::ConnectionHealth = cards::health::check_connection;
    custom_api_request(utility_wit::CustomApiRequestInput) -> utility_wit::CustomApiResponse = cards::raw_request::custom_api_request;
});

use cards::unified as un;
use unified_wit as uw;

export_cards!(unified_wit::Guest {
    unified_get_me(uw::UnifiedGetMeInput) -> uw::UnifiedMe = un::unified_get_me;
    unified_list_users(uw::ScimListInput) -> uw::UnifiedUsers = un::unified_list_users;
    unified_get_user(uw::UnifiedIdInput) -> uw::UnifiedUser = un::unified_get_user;
    unified_list_groups(uw::UnifiedListGroupsInput) -> uw::UnifiedGroups = un::unified_list_groups;
    unified_get_group(uw::UnifiedIdInput) -> uw::UnifiedGroup = un::unified_get_group;
    unified_list_organizations(uw::UnifiedListOrganizationsInput) -> uw::UnifiedOrganizations = un::unified_list_organizations;
    unified_get_organization(uw::UnifiedIdInput) -> uw::UnifiedOrganization = un::unified_get_organization;
    unified_list_roles(uw::UnifiedListRolesInput) -> uw::UnifiedRoles = un::unified_list_roles;
    unified_get_role(uw::UnifiedIdInput) -> uw::UnifiedRole = un::unified_get_role;
});

export_cards!(login_wit::Guest {
    start_oauth_login(login_wit::StartOauthLoginInput) -> login_wit::OauthLoginStart = cards::login::start_oauth_login;
    complete_oauth_login(login_wit::CompleteOauthLoginInput) -> login_wit::OauthTokenSet = cards::login::complete_oauth_login;
    refresh_oauth_tokens(login_wit::RefreshOauthTokensInput) -> login_wit::OauthTokenSet = cards::login::refresh_oauth_tokens;
});

// Only the component exports the card functions: a native build of this crate (its unit
// tests, `cargo build --workspace`) would otherwise fail to link the WIT export names.
#[cfg(target_arch = "wasm32")]
bindings::export!(Connector with_types_in bindings);
