//! `#[scenario]` turns an `async fn` of the end-to-end tests into a registered scenario: the e2e
//! runner (`e2e::runner`) finds every one without a list, runs each on its own runtime, and after
//! an unfiltered run fails when a card never returned `Ok` in any of them.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemFn, parse_macro_input};

#[proc_macro_attribute]
pub fn scenario(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = parse_macro_input!(item as ItemFn);
    if !attr.is_empty() {
        return syn::Error::new_spanned(proc_macro2::TokenStream::from(attr), "#[scenario] takes no arguments").to_compile_error().into();
    }
    if function.sig.asyncness.is_none() || !function.sig.inputs.is_empty() {
        return syn::Error::new_spanned(&function.sig, "a scenario is an `async fn` without parameters").to_compile_error().into();
    }
    let name = &function.sig.ident;
    let start = format_ident!("__start_{name}");
    quote! {
        #function

        #[doc(hidden)]
        fn #start() -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = ()> + ::std::marker::Send>> {
            ::std::boxed::Box::pin(#name())
        }

        ::e2e::inventory::submit! {
            ::e2e::runner::Scenario { module: module_path!(), name: stringify!(#name), start: #start }
        }
    }
    .into()
}
