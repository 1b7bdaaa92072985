//! The per-domain event log for chosen domains (`--domain-detail`).

use std::path::Path;

use anyhow::{Context, Result};
use isc_sim::aggregate::tables::{cause_name, reason_name};
use isc_sim::domain::PartnerKind;
use isc_sim::event::{Event, LoadSource};
use isc_sim::runner::DomainDetail;

/// Writes one CSV row per event, to a temporary name renamed at the end.
pub fn write(path: &Path, details: &[DomainDetail], id_of: &dyn Fn(u64) -> String) -> Result<()> {
    let partial = path.with_extension("csv.partial");
    let mut writer = csv::Writer::from_path(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    writer.write_record(["domain", "event", "at", "night_first", "night_last", "amount_isc", "balance_after_isc", "detail"])?;
    for detail in details {
        let spm = detail.simulation.seconds_per_month();
        let key = id_of(detail.index);
        for event in &detail.events.events {
            let mut row = vec![key.clone(), String::new(), event.at().to_string(), String::new(), String::new(), String::new(), String::new(), String::new()];
            let (name, detail_text) = match event {
                Event::RentalStarted { .. } => ("rental_started", String::new()),
                Event::RentalEnded { .. } => ("rental_ended", String::new()),
                Event::Check { night, .. } => {
                    row[3] = night.to_string();
                    ("check", String::new())
                }
                Event::ChecksRun { first, last } => {
                    row[2] = String::new();
                    row[3] = first.to_string();
                    row[4] = last.to_string();
                    ("checks", String::new())
                }
                Event::OfflineNights { first, last } => {
                    row[2] = String::new();
                    row[3] = first.to_string();
                    row[4] = last.to_string();
                    ("offline_nights", String::new())
                }
                Event::Reload { night, amount, balance_after, contract, .. } => {
                    row[3] = night.to_string();
                    row[5] = amount.to_string();
                    row[6] = balance_after.round_to_milli(spm).to_string();
                    ("reload", format!("contract {contract}"))
                }
                Event::Invoice { amount, partner, .. } => {
                    row[5] = amount.to_string();
                    let kind = match partner.kind {
                        PartnerKind::Reseller => "reseller",
                        PartnerKind::Distributor => "distributor",
                    };
                    let reference = detail.domain.invoice_reference.as_deref().unwrap_or("");
                    ("invoice", format!("{kind} {} reference {reference}", partner.id).trim().to_string())
                }
                Event::Alert { balance, .. } => {
                    row[6] = balance.round_to_milli(spm).to_string();
                    ("alert_email", String::new())
                }
                Event::Stop { cause, .. } => ("stop", cause_name(*cause).to_string()),
                Event::Resume { .. } => ("resume", String::new()),
                Event::ContractRejected { contract, reason, .. } => {
                    ("contract_rejected", format!("contract {contract}: {}", reason_name(*reason)))
                }
                Event::ContractAccepted { contract, effective, .. } => {
                    let note = if *effective { "" } else { ", ineffective: Devices App too old" };
                    ("contract_accepted", format!("contract {contract}{note}"))
                }
                Event::ContractEnded { contract, .. } => ("contract_ended", format!("contract {contract}")),
                Event::ContractCancelled { contract, .. } => ("contract_cancelled", format!("contract {contract}")),
                Event::ManualLoad { amount, balance_after, source, .. } => {
                    row[5] = amount.to_string();
                    row[6] = balance_after.round_to_milli(spm).to_string();
                    let source = match source {
                        LoadSource::Opening => "opening balance",
                        LoadSource::Input => "manual load from the input",
                        LoadSource::AlertResponse => "manual load after an alert e-mail",
                        LoadSource::Recovery => "manual load restarting a stopped domain",
                    };
                    ("manual_load", source.to_string())
                }
            };
            row[1] = name.to_string();
            row[7] = detail_text;
            writer.write_record(&row)?;
        }
    }
    writer.flush().with_context(|| format!("cannot write {}", partial.display()))?;
    drop(writer);
    std::fs::rename(&partial, path).with_context(|| format!("cannot move the detail file to {}", path.display()))?;
    Ok(())
}
