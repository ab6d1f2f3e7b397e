-- Argo CD health of a NestedVirtPool or a NestedVirtInstance (nestedvirt.io), read from the
-- conditions the operator writes (kstatus: Ready, Reconciling, Stalled). One script for both
-- kinds: argocd-cm-health.yaml installs it as resource.customizations.health for each.
-- PoolHealthCheckTest and MachineHealthCheckTest run it on statuses built by the
-- operator's own status code.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

-- A pool reports the generation it acted on in status.observedGeneration; conditions carry it
-- too. Until the operator has seen the newest spec, what the status says is about an older one.
local ready = condition("Ready")
local observed = obj.status.observedGeneration
if observed == nil and ready ~= nil then
  observed = ready.observedGeneration
end
local generation = obj.metadata.generation
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or "Stalled"
  return hs
end

-- A machine that can no longer serve: the pool replaces it.
if obj.status.phase == "Failed" then
  hs.status = "Degraded"
  if ready ~= nil and ready.message ~= nil then
    hs.message = ready.message
  else
    hs.message = "Failed"
  end
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
elseif ready ~= nil and ready.reason ~= nil then
  hs.message = ready.reason
else
  hs.message = "Waiting for Ready"
end
return hs
