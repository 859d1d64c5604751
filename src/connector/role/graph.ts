/** https://learn.microsoft.com/graph/api/resources/unifiedroledefinition */
export type GraphRoleDefinition = {
  id: string;
  displayName?: string | null;
  description?: string | null;
  isBuiltIn?: boolean | null;
  isEnabled?: boolean | null;
  templateId?: string | null;
};

/** As `ASSIGNMENT_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/unifiedroleassignment */
export type GraphRoleAssignment = {
  id?: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
};

/**
 * A PIM schedule instance (active or eligible) as `INSTANCE_SELECT` reads it; a plain role
 * assignment is one without the schedule fields.
 * https://learn.microsoft.com/graph/api/resources/unifiedroleassignmentscheduleinstance
 * https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityscheduleinstance
 */
export type GraphRoleScheduleInstance = GraphRoleAssignment & {
  /** `Direct`, `Group` (inherited through a role-assignable group) or `Inherited`. */
  memberType?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
};
