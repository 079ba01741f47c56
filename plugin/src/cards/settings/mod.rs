//! Account settings cards: each setting is a [`Setting`] (its type and the member its record
//! holds), each card one of its three operations. IP access list enforcement adds a guard
//! against locking the callers out (`lockout.rs`).

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod lockout;

use crate::client::Session;
use crate::client::settings::{Setting, SettingCall};
use crate::wit::CardError;
use crate::wit::settings::*;
use serde_json::{Map, Value};

const COMPLIANCE_SECURITY_PROFILE: Setting = Setting::new("shield_csp_enablement_ac", "csp_enablement_account");
const ENHANCED_SECURITY_MONITORING: Setting = Setting::new("shield_esm_enablement_ac", "esm_enablement_account");
const IP_ACCESS_LIST_ENFORCEMENT: Setting = Setting::new("acct_ip_acl_enable", "acct_ip_acl_enable");
const DISABLE_LEGACY_FEATURES: Setting = Setting::new("disable_legacy_features", "disable_legacy_features");
const PERSONAL_COMPUTE: Setting = Setting::new("dcp_acct_enable", "personal_compute");
const PARTNER_POWERED_AI: Setting = Setting::new("llm_proxy_partner_powered", "boolean_val");
const PARTNER_POWERED_AI_ENFORCEMENT: Setting = Setting::new("llm_proxy_partner_powered_enforce", "boolean_val");

pub const get_compliance_security_profile_setting: SettingCall = COMPLIANCE_SECURITY_PROFILE.get();
pub const update_compliance_security_profile_setting: SettingCall = COMPLIANCE_SECURITY_PROFILE.update();
pub const get_enhanced_security_monitoring_setting: SettingCall = ENHANCED_SECURITY_MONITORING.get();
pub const update_enhanced_security_monitoring_setting: SettingCall = ENHANCED_SECURITY_MONITORING.update();
pub const get_ip_access_list_enforcement: SettingCall = IP_ACCESS_LIST_ENFORCEMENT.get();
pub const get_disable_legacy_features_setting: SettingCall = DISABLE_LEGACY_FEATURES.get();
pub const update_disable_legacy_features_setting: SettingCall = DISABLE_LEGACY_FEATURES.update();
pub const delete_disable_legacy_features_setting: SettingCall = DISABLE_LEGACY_FEATURES.delete();
pub const get_personal_compute_setting: SettingCall = PERSONAL_COMPUTE.get();
pub const update_personal_compute_setting: SettingCall = PERSONAL_COMPUTE.update();
pub const delete_personal_compute_setting: SettingCall = PERSONAL_COMPUTE.delete();
pub const get_partner_powered_ai_setting: SettingCall = PARTNER_POWERED_AI.get();
pub const update_partner_powered_ai_setting: SettingCall = PARTNER_POWERED_AI.update();
pub const get_partner_powered_ai_enforcement: SettingCall = PARTNER_POWERED_AI_ENFORCEMENT.get();
pub const update_partner_powered_ai_enforcement: SettingCall = PARTNER_POWERED_AI_ENFORCEMENT.update();

/// Turning enforcement on must not lock the callers out; turning it off needs no check.
pub fn update_ip_access_list_enforcement(s: &Session, input: UpdateIpAccessListEnforcementInput) -> Result<BooleanSetting, CardError> {
    if input.enabled {
        lockout::refuse_unless_allowed(s, input.caller_address.as_deref(), input.confirm.unwrap_or(false))?;
    }
    let mut changes = Map::new();
    changes.insert("value".into(), Value::Bool(input.enabled));
    IP_ACCESS_LIST_ENFORCEMENT.write(s, changes)
}

/// The default is enforced, so a revert is checked like turning enforcement on.
pub fn delete_ip_access_list_enforcement(s: &Session, input: DeleteIpAccessListEnforcementInput) -> Result<BooleanSetting, CardError> {
    lockout::refuse_unless_allowed(s, input.caller_address.as_deref(), input.confirm.unwrap_or(false))?;
    IP_ACCESS_LIST_ENFORCEMENT.revert(s, None)
}
