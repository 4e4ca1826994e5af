/**
 * Running calls of reusable workflows ({@code jobs.<id>.uses}), shared by the control plane (which expands a call
 * into the callee's jobs) and the runner (which gives a callee job the secrets mapped to it): the keys and names of
 * callee jobs ({@link dev.runway.workflow.calls.JobKeys}), a call's typed inputs ({@link
 * dev.runway.workflow.calls.CallInputs}), its outputs ({@link dev.runway.workflow.calls.CallOutputs}) and the secrets
 * a callee job sees ({@link dev.runway.workflow.calls.CallSecrets}).
 */
package dev.runway.workflow.calls;
